//! Identifier rules. Identifiers are put into URL paths unescaped, so anything that
//! could change the path (`/`, `..`, `?`, `#`, `%`, whitespace, control bytes) is refused
//! before a request is built.

use super::error::Error;

/// Longest accepted `call_uuid` / `stream_uuid`.
pub const MAX_ID_LEN: usize = 128;
/// Longest accepted `auth_id`.
pub const MAX_AUTH_ID_LEN: usize = 64;

/// Check a call or stream identifier: 1–128 characters of `A-Z a-z 0-9 - _`.
pub fn check_id(what: &str, id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid(format!("{what} is empty")));
    }
    if id.len() > MAX_ID_LEN {
        return Err(Error::invalid(format!(
            "{what} is {} bytes long; at most {MAX_ID_LEN} are allowed",
            id.len()
        )));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(Error::invalid(format!(
            "{what} contains {bad:?}; only A-Z, a-z, 0-9, '-' and '_' are allowed"
        )));
    }
    Ok(())
}

/// Check an account id: 1–64 ASCII letters and digits.
pub fn check_auth_id(id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::invalid("auth_id is empty"));
    }
    if id.len() > MAX_AUTH_ID_LEN || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Error::invalid(format!(
            "auth_id must be 1-{MAX_AUTH_ID_LEN} ASCII letters and digits"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_alphabet() {
        check_id("call_uuid", "aB9-_").unwrap();
        check_id("call_uuid", &"x".repeat(MAX_ID_LEN)).unwrap();
        check_auth_id("MA0123abc").unwrap();
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "", "a/b", "..", "a?b", "a#b", "a%2F", "a b", "a\tb", "a\r\nb", "a\u{1}b", "é",
        ] {
            assert!(check_id("call_uuid", bad).is_err(), "{bad:?}");
        }
        assert!(check_id("call_uuid", &"x".repeat(MAX_ID_LEN + 1)).is_err());
        for bad in ["", "MA-1", "MA_1", "MA 1", &"A".repeat(65)] {
            assert!(check_auth_id(bad).is_err(), "{bad:?}");
        }
    }
}
