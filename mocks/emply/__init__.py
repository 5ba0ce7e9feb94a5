"""Mock Emply People: users, employees, roles, calendars, photos, integration settings."""
