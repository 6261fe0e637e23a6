"""Accounts, roles, regions, sectors, sign-in, invitations and the permission mechanism."""
