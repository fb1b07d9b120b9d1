"""The snapshot folder's layout (SPEC §2, §10): its files, the collection each holds, and how an
administrator makes each file when it is absent."""
from __future__ import annotations

from ..coverage import Collection as C
from .exomap import EXO_MAILBOX_PROPERTIES
from .graphmap import CONTACT_SELECT, GROUP_SELECT

USERS = "cloud/users.json"
GROUPS = "cloud/groups.json"
CONTACTS = "cloud/contacts.json"
DOMAINS = "cloud/domains.json"
SYNC = "cloud/sync.json"
ROLE_ASSIGNMENTS = "cloud/roleAssignments.json"
ROLE_ELIGIBILITY = "cloud/roleEligibilitySchedules.json"
GROUP_MEMBERS = "cloud/groupMembers.json"
MAILBOXES = "cloud/mailboxes.json"
AD = "onprem/ad.ldif"
MANIFEST = "manifest.json"
SNAPSHOT_FILES = (USERS, GROUPS, CONTACTS, DOMAINS, SYNC, ROLE_ASSIGNMENTS, ROLE_ELIGIBILITY, GROUP_MEMBERS, MAILBOXES,
                  AD)
PARTS = ("cloud", "onprem")

# The file of each collection (SPEC §8), and how an administrator gets it when it is absent.
FILES = {C.USERS: USERS, C.GROUPS: GROUPS, C.CONTACTS: CONTACTS, C.DOMAINS: DOMAINS, C.SYNC: SYNC,
         C.ROLE_ASSIGNMENTS: ROLE_ASSIGNMENTS, C.ROLE_ELIGIBILITY: ROLE_ELIGIBILITY, C.GROUP_MEMBERS: GROUP_MEMBERS,
         C.MAILBOXES: MAILBOXES, C.AD_USERS: AD, C.AD_GROUPS: AD, C.AD_CONTACTS: AD}
# SPEC §10: Graph does not expose ExchangeGuid, LegacyExchangeDN nor RecipientTypeDetails; the admin exports them.
EXO_COMMAND = (f"Get-EXOMailbox -ResultSize Unlimited -Properties {','.join(EXO_MAILBOX_PROPERTIES)} "
               "| ConvertTo-Json -Depth 5")
_GRAPH = "https://graph.microsoft.com/v1.0"
HOW: dict[str, str] = {
    C.GROUPS: f"export {_GRAPH}/groups?$select={','.join(GROUP_SELECT)}&$top=999 into {GROUPS} (Group.Read.All)",
    C.CONTACTS: f"export {_GRAPH}/contacts?$select={','.join(CONTACT_SELECT)}&$top=999 into {CONTACTS} "
                "(OrgContact.Read.All)",
    C.DOMAINS: f"export {_GRAPH}/domains into {DOMAINS} (Domain.Read.All)",
    C.SYNC: f"export {_GRAPH}/directory/onPremisesSynchronization into {SYNC} "
            "(OnPremDirectorySynchronization.Read.All)",
    C.ROLE_ASSIGNMENTS: f"export {_GRAPH}/roleManagement/directory/roleAssignments?$expand=roleDefinition into "
                        f"{ROLE_ASSIGNMENTS} (RoleManagement.Read.Directory)",
    C.ROLE_ELIGIBILITY: f"export {_GRAPH}/roleManagement/directory/roleEligibilitySchedules?$expand=roleDefinition "
                        f"into {ROLE_ELIGIBILITY} (RoleEligibilitySchedule.Read.Directory), or state "
                        "[sources] known_empty = [\"roleEligibilitySchedules\"] for a tenant without PIM",
    C.GROUP_MEMBERS: f"for each group that holds a role export {_GRAPH}/groups/{{id}}/transitiveMembers?$select=id "
                     f"into {GROUP_MEMBERS} as [{{\"id\": GROUP_ID, \"members\": [{{\"id\": ...}}]}}] (Group.Read.All)",
    C.MAILBOXES: f"in Exchange Online PowerShell (View-Only Organization Management) run {EXO_COMMAND} and save its "
                 f"output as {MAILBOXES}",
}
