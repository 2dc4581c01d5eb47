//! The auth token in the forms the client needs, each overwritten in memory on drop.

use base64::Engine;
use zeroize::Zeroizing;

pub(crate) struct Credentials {
    token: Zeroizing<String>,
    /// base64 of `auth_id:token`.
    encoded: Zeroizing<String>,
    /// `Basic {encoded}`, the `Authorization` header value.
    authorization: Zeroizing<String>,
}

impl Credentials {
    pub(crate) fn new(auth_id: &str, token: Zeroizing<String>) -> Credentials {
        let mut pair = Zeroizing::new(format!("{auth_id}:"));
        pair.push_str(&token);
        let encoded =
            Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()));
        let authorization = Zeroizing::new(format!("Basic {}", encoded.as_str()));
        Credentials {
            token,
            encoded,
            authorization,
        }
    }

    pub(crate) fn authorization(&self) -> &str {
        &self.authorization
    }

    /// What must never appear in a message: the token and its encoded form.
    pub(crate) fn secrets(&self) -> [&str; 2] {
        [&self.token, &self.encoded]
    }
}
