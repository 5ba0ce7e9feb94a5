"""The Entra ID tenant model shared by the identity platform and Graph mocks."""
