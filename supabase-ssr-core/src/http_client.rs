//! The HTTP client the core builds when the application brings none: the TLS backend of the
//! crate feature, the system's root certificates, and any extra roots the application trusts
//! (a self-hosted project behind a private CA, a local HTTPS server).

use crate::config::{ConfigError, ENV_CA_CERT};
use crate::error_source::with_causes;

/// The application's client as it is, else one built with `extra_roots`.
pub(crate) fn given_or_built(
    given: Option<reqwest::Client>,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::Client, ConfigError> {
    match given {
        Some(client) => {
            if !extra_roots.is_empty() {
                tracing::warn!(
                    "root_certificates_pem is ignored: the HTTP client given to http_client() \
                     is used as it is"
                );
            }
            Ok(client)
        }
        None => build(extra_roots),
    }
}

/// A client trusting the system roots plus every certificate of `extra_roots` (PEM bundles).
pub(crate) fn build(extra_roots: &[Vec<u8>]) -> Result<reqwest::Client, ConfigError> {
    let mut roots = Vec::new();
    for (index, pem) in extra_roots.iter().enumerate() {
        roots.extend(parse_pem_bundle(pem).map_err(|reason| {
            ConfigError::RootCertificates(format!("bundle {}: {reason}", index + 1))
        })?);
    }
    let mut builder = reqwest::Client::builder();
    if !roots.is_empty() {
        builder = builder.tls_certs_merge(roots);
    }
    // reqwest's own message is just "builder error": the cause (a certificate the TLS library
    // rejects, no system roots) is in the source chain.
    builder.build().map_err(|error| ConfigError::HttpClient {
        message: with_causes(&error),
        source: crate::ErrorSource::http(error),
    })
}

/// The certificates of a PEM bundle; an input without any is an error, not an empty list.
pub(crate) fn parse_pem_bundle(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    let certificates = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|error| format!("not a PEM certificate bundle ({})", with_causes(&error)))?;
    if certificates.is_empty() {
        return Err("no `-----BEGIN CERTIFICATE-----` block found".to_owned());
    }
    Ok(certificates)
}

/// The PEM file named by `SUPABASE_CA_CERT`, read and checked, or `None` when the variable is
/// unset or empty.
pub(crate) fn ca_cert_from_env(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<Vec<u8>>, ConfigError> {
    let Some(path) = lookup(ENV_CA_CERT).filter(|path| !path.trim().is_empty()) else {
        return Ok(None);
    };
    let path = path.trim();
    let invalid = |reason: String| ConfigError::InvalidEnv {
        var: ENV_CA_CERT,
        reason,
    };
    let pem =
        std::fs::read(path).map_err(|error| invalid(format!("cannot read {path}: {error}")))?;
    parse_pem_bundle(&pem).map_err(|reason| invalid(format!("{path}: {reason}")))?;
    Ok(Some(pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_a_certificate_is_refused() {
        for input in [
            &b""[..],
            b"hello",
            b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
        ] {
            let error = build(&[input.to_vec()]).unwrap_err();
            assert!(
                matches!(&error, ConfigError::RootCertificates(reason) if reason.starts_with("bundle 1:")),
                "{error:?}"
            );
        }
    }

    #[test]
    fn a_broken_pem_block_is_refused() {
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
        let error = build(&[broken.to_vec()]).unwrap_err();
        assert!(
            matches!(error, ConfigError::RootCertificates(_)),
            "{error:?}"
        );
    }

    #[test]
    fn certificate_bytes_the_tls_library_rejects_are_a_config_error() {
        // Valid PEM armour around bytes that are no X.509 certificate.
        let junk = b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
        let error = build(&[junk.to_vec()]).unwrap_err();
        assert!(
            matches!(
                error,
                ConfigError::RootCertificates(_) | ConfigError::HttpClient { .. }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn the_env_variable_names_itself_in_errors() {
        let lookup =
            |path: &'static str| move |name: &str| (name == ENV_CA_CERT).then(|| path.to_owned());
        assert_eq!(ca_cert_from_env(lookup("  ")).unwrap(), None);
        let error = ca_cert_from_env(lookup("/nonexistent/ca.pem")).unwrap_err();
        assert!(
            matches!(&error, ConfigError::InvalidEnv { var, reason } if *var == ENV_CA_CERT && reason.contains("/nonexistent/ca.pem")),
            "{error:?}"
        );
        let file = std::env::temp_dir().join(format!("not-a-cert-{}.pem", std::process::id()));
        std::fs::write(&file, "hello").unwrap();
        let path: &'static str = Box::leak(file.display().to_string().into_boxed_str());
        let error = ca_cert_from_env(lookup(path)).unwrap_err();
        let _ = std::fs::remove_file(&file);
        assert!(error.to_string().contains(ENV_CA_CERT), "{error}");
    }
}
