"""Writers that carry out planned changes: LDAP modify/add/delete, Graph PATCH."""
