"""Mock Microsoft identity platform: token endpoint, OpenID discovery, signing keys."""
