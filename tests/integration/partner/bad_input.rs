//! Every bad-input rule of the issue for assets, ownership, policies and match policies: each is its
//! own test, answers Google's envelope with the documented reason, and changes nothing.

use super::{Partner, asset_body, create_owner, link, ownership_body, policy_body, reason, with_owner};
use crate::support::Backend;
use crate::youtube::token_for;
use http::{Method, StatusCode};
use serde_json::{Value, json};

crate::support::on_both_backends!(
    a_missing_on_behalf_of_content_owner_is_400_required,
    an_unknown_owner_and_a_not_entitled_owner_are_the_same_403,
    a_scoped_token_without_youtubepartner_is_403_insufficient_permissions,
    an_unlinked_channel_loses_the_entitlement,
    unknown_and_other_owners_asset_ids_are_404,
    unknown_and_other_owners_policy_ids_are_404,
    invalid_asset_types_and_titles_are_400,
    ownership_ratio_territory_and_type_are_checked,
    invalid_policy_rules_are_400,
    invalid_policies_list_parameters_are_400,
    a_match_policy_needs_exactly_one_of_policy_id_and_rules,
    malformed_and_oversized_bodies_are_refused,
);

const ASSETS: &str = "/youtube/partner/v1/assets";
const POLICIES: &str = "/youtube/partner/v1/policies";

async fn a_missing_on_behalf_of_content_owner_is_400_required(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let before = p.ownership(&asset).await;
    let calls = [
        (Method::POST, ASSETS.to_owned(), Some(asset_body("web", "X"))),
        (Method::GET, format!("{ASSETS}/{asset}"), None),
        (
            Method::PUT,
            format!("{ASSETS}/{asset}/ownership"),
            Some(ownership_body(json!(100), json!(["US"]), "include")),
        ),
        (Method::GET, POLICIES.to_owned(), None),
        (Method::POST, POLICIES.to_owned(), Some(policy_body("P", "track"))),
    ];
    for (method, path, body) in calls {
        let r = p.yt.call(method.clone(), &path, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {path}: {}", r.text);
        assert_eq!(reason(&r), "required", "{}", r.text);
    }
    assert_eq!(p.ownership(&asset).await, before, "nothing changed");
    assert!(p.policy_ids().await.is_empty(), "no policy was created");
}

async fn an_unknown_owner_and_a_not_entitled_owner_are_the_same_403(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    // An owner that exists but links no channel of the caller.
    let theirs = create_owner(&p.yt, "Other Rights", false).await;
    let (other_user, _) = p.yt.other_user().await;
    let _ = other_user;
    let mut bodies = Vec::new();
    for owner in ["unknown-owner", theirs.as_str(), "bad/owner"] {
        for (method, path, body) in [
            (Method::POST, ASSETS.to_owned(), Some(asset_body("web", "X"))),
            (Method::GET, format!("{ASSETS}/{asset}"), None),
            (Method::GET, format!("{ASSETS}/{asset}/ownership"), None),
            (
                Method::PATCH,
                format!("{ASSETS}/{asset}/ownership"),
                Some(ownership_body(json!(1), json!([]), "include")),
            ),
            (Method::GET, format!("{ASSETS}/{asset}/matchPolicy"), None),
            // A bad body does not reveal more than the refusal of the owner.
            (
                Method::PUT,
                format!("{ASSETS}/{asset}/matchPolicy"),
                Some(json!({ "policyId": 7 })),
            ),
            (Method::GET, POLICIES.to_owned(), None),
            (Method::POST, POLICIES.to_owned(), Some(policy_body("P", "track"))),
        ] {
            let r = p.yt.call(method.clone(), &with_owner(&path, owner), body).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{owner} {method} {path}: {}",
                r.text
            );
            assert_eq!(reason(&r), "forbidden");
            bodies.push(r.body.clone());
        }
    }
    // Unknown and not entitled cannot be told apart.
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    assert_eq!(p.ownership(&asset).await["general"], json!([]), "nothing changed");
    assert!(p.policy_ids().await.is_empty());
}

async fn a_scoped_token_without_youtubepartner_is_403_insufficient_permissions(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    for scope in [
        "youtube",
        "youtube.readonly https://www.googleapis.com/auth/youtube.force-ssl",
    ] {
        let token = p.token_with(scope);
        let r = p
            .call_as(
                &token,
                Method::PUT,
                &format!("{ASSETS}/{asset}/ownership"),
                Some(ownership_body(json!(100), json!([]), "include")),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(reason(&r), "insufficientPermissions");
        let r = p
            .call_as(&token, Method::GET, &format!("{ASSETS}/{asset}"), None)
            .await;
        assert_eq!(reason(&r), "insufficientPermissions");
    }
    assert_eq!(p.ownership(&asset).await["general"], json!([]), "nothing changed");
    // The scope in either form is enough.
    for scope in [
        "youtubepartner",
        "https://www.googleapis.com/auth/youtubepartner youtube",
    ] {
        let r = p
            .call_as(
                &p.token_with(scope),
                Method::GET,
                &format!("{ASSETS}/{asset}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{scope}: {}", r.text);
    }
}

async fn an_unlinked_channel_loses_the_entitlement(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    // Another user with a channel, linked to the same owner, can act too; after the unlink, not.
    let (other, other_token) = p.yt.other_user().await;
    let r = crate::support::admin(
        &p.yt.router,
        Method::GET,
        &format!("/admin/users/{other}/channels"),
        None,
    )
    .await;
    let channel = r.body["items"][0]["channelId"]
        .as_str()
        .or(r.body["items"][0]["id"].as_str())
        .unwrap()
        .to_owned();
    let r = link(&p.yt, &p.owner, &channel, &other).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = p
        .call_as(&other_token, Method::GET, &format!("{ASSETS}/{asset}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = crate::support::admin(
        &p.yt.router,
        Method::DELETE,
        &format!("/admin/content-owners/{}/channels/{channel}", p.owner),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = p
        .call_as(
            &other_token,
            Method::PUT,
            &format!("{ASSETS}/{asset}/ownership"),
            Some(ownership_body(json!(50), json!([]), "include")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "forbidden");
    assert_eq!(p.ownership(&asset).await["general"], json!([]), "nothing changed");
    let _ = token_for;
}

/// A second owner, entitled through a second user, with one asset and one policy.
async fn second_owner(p: &Partner) -> (String, String, String, String) {
    let (user, token) = p.yt.other_user().await;
    let r = crate::support::admin(
        &p.yt.router,
        Method::GET,
        &format!("/admin/users/{user}/channels"),
        None,
    )
    .await;
    let channel = r.body["items"][0]["channelId"]
        .as_str()
        .or(r.body["items"][0]["id"].as_str())
        .unwrap()
        .to_owned();
    let owner = create_owner(&p.yt, "Other Rights", false).await;
    assert_eq!(link(&p.yt, &owner, &channel, &user).await.status, StatusCode::OK);
    let r =
        p.yt.call_as(
            &token,
            Method::POST,
            &with_owner(ASSETS, &owner),
            Some(asset_body("web", "Theirs")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let asset = r.body["id"].as_str().unwrap().to_owned();
    let r =
        p.yt.call_as(
            &token,
            Method::POST,
            &with_owner(POLICIES, &owner),
            Some(policy_body("Theirs", "block")),
        )
        .await;
    let policy = r.body["id"].as_str().unwrap().to_owned();
    (owner, token, asset, policy)
}

async fn unknown_and_other_owners_asset_ids_are_404(backend: Backend) {
    let p = Partner::new(backend).await;
    let (_, _, theirs, _) = second_owner(&p).await;
    for id in ["nope", theirs.as_str(), "bad%2Fid"] {
        for (method, suffix, body) in [
            (Method::GET, "", None),
            (Method::GET, "/ownership", None),
            (
                Method::PUT,
                "/ownership",
                Some(ownership_body(json!(100), json!(["US"]), "include")),
            ),
            (
                Method::PATCH,
                "/ownership",
                Some(ownership_body(json!(100), json!(["US"]), "include")),
            ),
            (Method::GET, "/matchPolicy", None),
            (
                Method::PUT,
                "/matchPolicy",
                Some(json!({ "rules": [{ "action": "track" }] })),
            ),
            (
                Method::PATCH,
                "/matchPolicy",
                Some(json!({ "rules": [{ "action": "track" }] })),
            ),
        ] {
            let r = p
                .call(method.clone(), &format!("{ASSETS}/{id}{suffix}"), body)
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {id}{suffix}: {}",
                r.text
            );
            assert_eq!(reason(&r), "notFound");
        }
    }
}

async fn unknown_and_other_owners_policy_ids_are_404(backend: Backend) {
    let p = Partner::new(backend).await;
    let (_, _, _, their_policy) = second_owner(&p).await;
    let asset = p.asset("Live").await;
    let before = p.match_policy(&asset).await;
    for id in ["nope", their_policy.as_str()] {
        for method in [Method::PUT, Method::PATCH] {
            let r = p
                .call(
                    method.clone(),
                    &format!("{ASSETS}/{asset}/matchPolicy"),
                    Some(json!({ "policyId": id })),
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {id}: {}", r.text);
            assert_eq!(reason(&r), "notFound");
        }
        // policies.list by another owner's id finds nothing.
        let r = p.call(Method::GET, &format!("{POLICIES}?id={id}"), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["items"], json!([]));
    }
    assert_eq!(p.match_policy(&asset).await, before, "nothing changed");
}

async fn invalid_asset_types_and_titles_are_400(backend: Backend) {
    let p = Partner::new(backend).await;
    for (body, want) in [
        (asset_body("podcast", "X"), "invalidValue"),
        (asset_body("WEB", "X"), "invalidValue"),
        (json!({ "metadata": { "title": "X" } }), "required"),
        (json!({ "type": "web" }), "required"),
        (json!({ "type": "web", "metadata": {} }), "required"),
        (asset_body("web", "   "), "required"),
        (asset_body("web", &"x".repeat(256)), "invalidValue"),
        (
            json!({ "type": "web", "metadata": { "title": "X", "customId": "c".repeat(129) } }),
            "invalidValue",
        ),
        (json!({ "type": 7, "metadata": { "title": "X" } }), "parseError"),
    ] {
        let r = p.call(Method::POST, ASSETS, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(reason(&r), want, "{body}");
    }
    // Nothing was created: the next asset gets the first id after the owner's.
    let id = p.asset("Live").await;
    let r = p.call(Method::GET, &format!("{ASSETS}/{id}"), None).await;
    assert_eq!(r.body["kind"], "youtubePartner#asset");
}

async fn ownership_ratio_territory_and_type_are_checked(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let good = ownership_body(json!(100), json!(["US"]), "include");
    assert_eq!(
        p.call(
            Method::PUT,
            &format!("{ASSETS}/{asset}/ownership"),
            Some(good.clone())
        )
        .await
        .status,
        StatusCode::OK
    );
    let before = p.ownership(&asset).await;
    for (body, want) in [
        (
            ownership_body(json!(100.5), json!(["US"]), "include"),
            "invalidValue",
        ),
        (
            ownership_body(json!(-1), json!(["US"]), "include"),
            "invalidValue",
        ),
        (
            ownership_body(json!(50), json!(["XX"]), "include"),
            "invalidValue",
        ),
        (
            ownership_body(json!(50), json!(["us"]), "include"),
            "invalidValue",
        ),
        (
            ownership_body(json!(50), json!(["US", "US"]), "include"),
            "invalidValue",
        ),
        (
            ownership_body(json!(50), json!(["US"]), "everywhere"),
            "invalidValue",
        ),
        (
            json!({ "general": [{ "ratio": 50, "type": "include" }] }),
            "required",
        ),
        (
            json!({ "general": [{ "owner": "A", "type": "include" }] }),
            "required",
        ),
        (json!({ "general": [{ "owner": "A", "ratio": 5 }] }), "required"),
        (
            ownership_body(json!("half"), json!(["US"]), "include"),
            "parseError",
        ),
    ] {
        for method in [Method::PUT, Method::PATCH] {
            let r = p
                .call(
                    method.clone(),
                    &format!("{ASSETS}/{asset}/ownership"),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {body}: {}", r.text);
            assert_eq!(reason(&r), want, "{body}");
        }
    }
    assert_eq!(p.ownership(&asset).await, before, "nothing changed");
}

async fn invalid_policy_rules_are_400(backend: Backend) {
    let p = Partner::new(backend).await;
    let rule = |conditions: Value| json!({ "name": "P", "rules": [{ "action": "monetize", "conditions": conditions }] });
    for (body, want) in [
        (policy_body("P", "mute"), "invalidValue"),
        (json!({ "name": "P", "rules": [{}] }), "required"),
        (json!({ "rules": [] }), "required"),
        (json!({ "name": "x".repeat(256), "rules": [] }), "invalidValue"),
        (rule(json!({ "contentMatchType": ["smell"] })), "invalidValue"),
        (
            rule(json!({ "matchPercent": [{ "low": 10, "high": 101 }] })),
            "invalidValue",
        ),
        (
            rule(json!({ "referencePercent": [{ "low": -1 }] })),
            "invalidValue",
        ),
        (
            rule(json!({ "matchDuration": [{ "low": 20, "high": 10 }] })),
            "invalidValue",
        ),
        (
            rule(json!({ "referenceDuration": [{ "low": -5 }] })),
            "invalidValue",
        ),
        (
            rule(json!({ "requiredTerritories": { "type": "include", "territories": ["ZZ"] } })),
            "invalidValue",
        ),
        (
            rule(json!({ "requiredTerritories": { "type": "some", "territories": ["US"] } })),
            "invalidValue",
        ),
        (
            rule(json!({ "requiredTerritories": { "territories": ["US"] } })),
            "required",
        ),
        (rule(json!({ "matchDuration": "long" })), "parseError"),
    ] {
        let r = p.call(Method::POST, POLICIES, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(reason(&r), want, "{body}");
    }
    // The asset's inline rules follow the same rules.
    let asset = p.asset("Live").await;
    let r = p
        .call(
            Method::PUT,
            &format!("{ASSETS}/{asset}/matchPolicy"),
            Some(json!({ "rules": [{ "action": "mute" }] })),
        )
        .await;
    assert_eq!(reason(&r), "invalidValue", "{}", r.text);
    assert!(p.policy_ids().await.is_empty(), "no policy was created");
    assert_eq!(p.match_policy(&asset).await.get("rules"), None, "nothing changed");
}

async fn invalid_policies_list_parameters_are_400(backend: Backend) {
    let p = Partner::new(backend).await;
    p.policy("P").await;
    let ids: Vec<String> = (0..51).map(|i| format!("p{i}")).collect();
    for query in [
        "sort=newest".to_owned(),
        "sort=timeupdatedasc".to_owned(),
        format!("id={}", ids.join(",")),
        "id=,".to_owned(),
        "maxResults=5".to_owned(),
    ] {
        let r = p.call(Method::GET, &format!("{POLICIES}?{query}"), None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
    }
}

async fn a_match_policy_needs_exactly_one_of_policy_id_and_rules(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let policy = p.policy("P").await;
    let before = p.match_policy(&asset).await;
    for (body, want) in [
        (json!({}), "required"),
        (
            json!({ "policyId": policy, "rules": [{ "action": "track" }] }),
            "invalidValue",
        ),
        (json!({ "rules": [] }), "required"),
    ] {
        let r = p
            .call(
                Method::PUT,
                &format!("{ASSETS}/{asset}/matchPolicy"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(reason(&r), want, "{body}");
    }
    assert_eq!(p.match_policy(&asset).await, before, "nothing changed");
}

async fn malformed_and_oversized_bodies_are_refused(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let big = json!({ "general": [{ "owner": "x".repeat(70 * 1024), "ratio": 1, "type": "include" }] });
    let r = p
        .call(Method::PUT, &format!("{ASSETS}/{asset}/ownership"), Some(big))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let r = crate::support::call(
        &p.yt.router,
        Method::POST,
        &p.path(POLICIES),
        Some(&p.yt.token),
        Some("{not json"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(reason(&r), "parseError");
    let r = p.call(Method::POST, POLICIES, Some(json!(["a list"]))).await;
    assert_eq!(reason(&r), "parseError", "{}", r.text);
    assert_eq!(p.ownership(&asset).await["general"], json!([]), "nothing changed");
    assert!(p.policy_ids().await.is_empty());
}
