"""Mock Microsoft Graph v1.0 over the tenant model of :mod:`mocks.entra`."""
