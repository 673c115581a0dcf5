//! The login page's languages: Korean, Japanese and English, chosen from `Accept-Language`
//! (RFC 9110 §12.5.4 quality values), English when nothing matches.

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English (the fallback).
    En,
    /// Korean.
    Ko,
    /// Japanese.
    Ja,
}

impl Lang {
    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
            Lang::Ja => "ja",
        }
    }

    /// Picks the best supported language from an `Accept-Language` header value.
    pub fn negotiate(header: Option<&str>) -> Lang {
        let Some(header) = header else { return Lang::En };
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',').take(20) {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok()))
                .unwrap_or(1.0);
            let lang = match tag.split('-').next().unwrap_or("") {
                "ko" => Lang::Ko,
                "ja" => Lang::Ja,
                "en" => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }
}

/// Every text on the login and error pages.
#[derive(Debug)]
pub struct Texts {
    /// Page title.
    pub title: &'static str,
    /// Heading (followed by the client's name).
    pub heading: &'static str,
    /// Login field label.
    pub login: &'static str,
    /// Password field label.
    pub password: &'static str,
    /// Submit button.
    pub submit: &'static str,
    /// Cancel button.
    pub cancel: &'static str,
    /// Wrong credentials.
    pub wrong: &'static str,
    /// Locked out (says nothing about whether the account exists).
    pub locked: &'static str,
    /// The form expired or was forged.
    pub expired: &'static str,
    /// Error page heading.
    pub error_heading: &'static str,
    /// Service trouble.
    pub unavailable: &'static str,
    /// Continue with the platform's identity provider (federated mode).
    pub federated: &'static str,
}

/// The texts of `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::Ko => &KO,
        Lang::Ja => &JA,
    }
}

static EN: Texts = Texts {
    title: "Sign in",
    heading: "Sign in to continue to",
    login: "Username",
    password: "Password",
    submit: "Sign in",
    cancel: "Cancel",
    wrong: "The username or password is incorrect.",
    locked: "Too many failed attempts. Please wait a few minutes and try again.",
    expired: "This sign-in form has expired. Please try again.",
    error_heading: "Sign-in cannot continue",
    unavailable: "The service is temporarily unavailable. Please try again shortly.",
    federated: "Continue with your account",
};

static KO: Texts = Texts {
    title: "로그인",
    heading: "다음 서비스를 계속 이용하려면 로그인하세요:",
    login: "아이디",
    password: "비밀번호",
    submit: "로그인",
    cancel: "취소",
    wrong: "아이디 또는 비밀번호가 올바르지 않습니다.",
    locked: "로그인 시도가 너무 많습니다. 몇 분 후에 다시 시도해 주세요.",
    expired: "로그인 양식이 만료되었습니다. 다시 시도해 주세요.",
    error_heading: "로그인을 계속할 수 없습니다",
    unavailable: "일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    federated: "계정으로 계속하기",
};

static JA: Texts = Texts {
    title: "ログイン",
    heading: "続行するにはログインしてください:",
    login: "ユーザー名",
    password: "パスワード",
    submit: "ログイン",
    cancel: "キャンセル",
    wrong: "ユーザー名またはパスワードが正しくありません。",
    locked: "ログインの試行回数が多すぎます。数分後にもう一度お試しください。",
    expired: "ログインフォームの有効期限が切れました。もう一度お試しください。",
    error_heading: "ログインを続行できません",
    unavailable: "一時的にサービスを利用できません。しばらくしてからもう一度お試しください。",
    federated: "アカウントで続行",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_honours_quality_and_falls_back_to_english() {
        assert_eq!(Lang::negotiate(Some("ja")), Lang::Ja);
        assert_eq!(Lang::negotiate(Some("ko-KR,ko;q=0.9,en;q=0.8")), Lang::Ko);
        assert_eq!(Lang::negotiate(Some("en;q=0.5, ja;q=0.9")), Lang::Ja);
        assert_eq!(Lang::negotiate(Some("fr-FR, de")), Lang::En);
        assert_eq!(Lang::negotiate(Some("ko;q=0")), Lang::En);
        assert_eq!(Lang::negotiate(None), Lang::En);
    }
}
