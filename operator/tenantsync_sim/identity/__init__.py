"""The Microsoft identity platform v2.0 endpoints, per tenant."""
