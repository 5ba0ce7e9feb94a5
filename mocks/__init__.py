"""Mock servers of the simulated world: Microsoft identity platform, Microsoft Graph
v1.0 and Emply People, all sharing one :class:`~mocks.world.World`."""
