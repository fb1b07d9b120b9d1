"""Readers and writers of the directories: snapshot files, Microsoft Graph, LDAP."""
