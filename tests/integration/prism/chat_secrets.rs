//! The chat page-token key on a warm path: polling a chat makes no Secrets Manager call once the key
//! is cached (the first call of a Lambda instance reads it once).

/// Needs moto (Secrets Manager and DynamoDB).
mod secrets_manager {
    use crate::steps::world::{Time, World};
    use crate::support::Backend;
    use onair_app::chat::{self, Scope};
    use time::Duration;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_warm_chat_poll_makes_no_secrets_manager_call() {
        let w = World::new(
            Backend::Aws,
            Time::Manual,
            World::settings(Duration::seconds(2), Duration::seconds(60)),
        )
        .await;
        let b = w.broadcast(|_| {}).await;
        let id = &b.broadcast.id;
        chat::open(&w.state, id, &w.owner, &b.broadcast.snippet.channel_id, id)
            .await
            .unwrap();
        let secrets = w.secrets_round_trips.clone().unwrap();
        let first = chat::list(&w.state, Scope::OwnedBy(&w.owner), id, 100, None)
            .await
            .unwrap();
        secrets.reset();
        let mut token = first.next_page_token.clone();
        for _ in 0..5 {
            let page = chat::list(&w.state, Scope::OwnedBy(&w.owner), id, 100, Some(&token))
                .await
                .unwrap();
            token = page.next_page_token.clone();
        }
        assert_eq!(secrets.get(), 0, "warm polls read the cached page key");
    }
}
