"""The parts of the Microsoft Graph v1.0 schema the test server needs.

Property names come from the v1.0 entity types (the same names msgraph-sdk's generated models
carry). Only what the server checks is kept: which names exist (for ``$select``), which are
collections (Graph answers ``[]`` rather than ``null`` for an empty collection), which are Boolean
or string (for OData literal type checks in ``$filter``), which may be filtered, and the user
properties Graph returns when no ``$select`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class EntityType:
    odata_type: str
    resource: str
    properties: frozenset[str]
    navigation: frozenset[str] = frozenset()
    collections: frozenset[str] = frozenset()
    booleans: frozenset[str] = frozenset()
    strings: frozenset[str] = frozenset()
    filterable: frozenset[str] = frozenset()
    default_select: tuple[str, ...] | None = None
    directory_object: bool = False
    # Values Graph gives non-nullable properties the object lacks (the schema forbids null there).
    non_null: tuple[tuple[str, object], ...] = ()

    def canonical(self, name: str) -> str | None:
        """The schema spelling of a property name (Graph matches names case-insensitively)."""
        return self._lookup().get(name.lower())

    def _lookup(self) -> dict[str, str]:
        cached = _LOOKUPS.get(self.odata_type)
        if cached is None:
            cached = {n.lower(): n for n in self.properties | self.navigation}
            _LOOKUPS[self.odata_type] = cached
        return cached

    def is_extension(self, name: str) -> bool:
        return name.startswith("extension_")


_LOOKUPS: dict[str, dict[str, str]] = {}

USER_DEFAULT_SELECT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)

USER = EntityType(
    odata_type="microsoft.graph.user",
    resource="User",
    properties=_names(
        """aboutMe accountEnabled ageGroup assignedLicenses assignedPlans authorizationInfo birthday
        businessPhones city companyName consentProvidedForMinor country createdDateTime creationType
        customSecurityAttributes deletedDateTime department deviceEnrollmentLimit displayName
        employeeHireDate employeeId employeeLeaveDateTime employeeOrgData employeeType
        externalUserState externalUserStateChangeDateTime faxNumber givenName hireDate id identities
        identityParentId imAddresses interests isManagementRestricted isResourceAccount jobTitle
        lastPasswordChangeDateTime legalAgeGroupClassification licenseAssignmentStates mail
        mailNickname mailboxSettings mobilePhone mySite officeLocation onPremisesDistinguishedName
        onPremisesDomainName onPremisesExtensionAttributes onPremisesImmutableId
        onPremisesLastSyncDateTime onPremisesProvisioningErrors onPremisesSamAccountName
        onPremisesSecurityIdentifier onPremisesSyncEnabled onPremisesUserPrincipalName otherMails
        passwordPolicies passwordProfile pastProjects postalCode preferredDataLocation
        preferredLanguage preferredName print provisionedPlans proxyAddresses responsibilities
        schools securityIdentifier serviceProvisioningErrors showInAddressList signInActivity
        signInSessionsValidFromDateTime skills state streetAddress surname usageLocation
        userPrincipalName userType"""
    ),
    navigation=_names(
        """activities adhocCalls agreementAcceptances appRoleAssignments authentication calendar
        calendarGroups calendarView calendars chats cloudClipboard cloudPCs contactFolders contacts
        createdObjects dataSecurityAndGovernance deviceManagementTroubleshootingEvents directReports
        drive drives employeeExperience events extensions followedSites inferenceClassification
        insights joinedTeams licenseDetails mailFolders managedAppRegistrations managedDevices
        manager memberOf messages oauth2PermissionGrants onPremisesSyncBehavior onenote
        onlineMeetings outlook ownedDevices ownedObjects people permissionGrants photo photos planner
        presence registeredDevices scopedRoleMemberOf settings solutions sponsorOf sponsors teamwork
        todo transitiveMemberOf"""
    ),
    collections=_names(
        """assignedLicenses assignedPlans businessPhones identities imAddresses interests
        licenseAssignmentStates onPremisesProvisioningErrors otherMails pastProjects provisionedPlans
        proxyAddresses responsibilities schools serviceProvisioningErrors skills"""
    ),
    booleans=_names(
        "accountEnabled isManagementRestricted isResourceAccount onPremisesSyncEnabled showInAddressList"
    ),
    strings=_names(
        """aboutMe ageGroup city companyName consentProvidedForMinor country creationType department
        displayName employeeId employeeType externalUserState faxNumber givenName id identityParentId
        jobTitle legalAgeGroupClassification mail mailNickname mobilePhone mySite officeLocation
        onPremisesDistinguishedName onPremisesDomainName onPremisesImmutableId
        onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesUserPrincipalName
        passwordPolicies postalCode preferredDataLocation preferredLanguage preferredName
        securityIdentifier state streetAddress surname usageLocation userPrincipalName userType"""
    ),
    filterable=_names(
        """accountEnabled ageGroup businessPhones city companyName consentProvidedForMinor country
        createdDateTime creationType department displayName employeeHireDate employeeId
        employeeType externalUserState faxNumber givenName id identities imAddresses jobTitle
        legalAgeGroupClassification mail mailNickname mobilePhone officeLocation
        onPremisesExtensionAttributes onPremisesImmutableId onPremisesLastSyncDateTime
        onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled
        onPremisesUserPrincipalName otherMails postalCode preferredLanguage proxyAddresses
        showInAddressList state streetAddress surname usageLocation userPrincipalName userType"""
    ),
    default_select=USER_DEFAULT_SELECT,
    directory_object=True,
    non_null=(("birthday", "0001-01-01T00:00:00Z"), ("hireDate", "0001-01-01T00:00:00Z"),
              ("deviceEnrollmentLimit", 5)),
)

GROUP = EntityType(
    odata_type="microsoft.graph.group",
    resource="Group",
    properties=_names(
        """accessType allowExternalSenders assignedLabels assignedLicenses autoSubscribeNewMembers
        classification createdDateTime deletedDateTime description displayName expirationDateTime
        groupTypes hasMembersWithLicenseErrors hideFromAddressLists hideFromOutlookClients id
        infoCatalogs isArchived isAssignableToRole isFavorite isManagementRestricted
        isSubscribedByMail licenseProcessingState mail mailEnabled mailNickname membershipRule
        membershipRuleProcessingState onPremisesDomainName onPremisesExtensionAttributes
        onPremisesLastSyncDateTime onPremisesNetBiosName onPremisesProvisioningErrors
        onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled organizationId
        preferredDataLocation preferredLanguage proxyAddresses renewedDateTime
        resourceBehaviorOptions resourceProvisioningOptions securityEnabled securityIdentifier
        serviceProvisioningErrors theme uniqueName unseenConversationsCount unseenCount
        unseenMessagesCount visibility welcomeMessageEnabled"""
    ),
    navigation=_names(
        """acceptedSenders appRoleAssignments calendar calendarView conversations createdOnBehalfOf
        drive drives events extensions groupLifecyclePolicies memberOf members
        membersWithLicenseErrors onPremisesSyncBehavior onenote owners permissionGrants photo photos
        planner rejectedSenders settings sites team threads transitiveMemberOf transitiveMembers"""
    ),
    collections=_names(
        """assignedLabels assignedLicenses groupTypes infoCatalogs onPremisesProvisioningErrors
        proxyAddresses resourceBehaviorOptions resourceProvisioningOptions serviceProvisioningErrors"""
    ),
    booleans=_names(
        """allowExternalSenders autoSubscribeNewMembers hasMembersWithLicenseErrors
        hideFromAddressLists hideFromOutlookClients isArchived isAssignableToRole isFavorite
        isManagementRestricted isSubscribedByMail mailEnabled onPremisesSyncEnabled securityEnabled
        welcomeMessageEnabled"""
    ),
    strings=_names(
        """classification description displayName id mail mailNickname membershipRule
        membershipRuleProcessingState onPremisesDomainName onPremisesNetBiosName
        onPremisesSamAccountName onPremisesSecurityIdentifier organizationId preferredDataLocation
        preferredLanguage securityIdentifier theme uniqueName visibility"""
    ),
    filterable=_names(
        """classification createdDateTime description displayName expirationDateTime groupTypes id
        isAssignableToRole mail mailEnabled mailNickname membershipRuleProcessingState
        onPremisesLastSyncDateTime onPremisesSamAccountName onPremisesSecurityIdentifier
        onPremisesSyncEnabled preferredLanguage proxyAddresses renewedDateTime securityEnabled
        securityIdentifier theme visibility"""
    ),
    directory_object=True,
)

ORG_CONTACT = EntityType(
    odata_type="microsoft.graph.orgContact",
    resource="OrgContact",
    properties=_names(
        """addresses companyName deletedDateTime department displayName givenName id jobTitle mail
        mailNickname onPremisesLastSyncDateTime onPremisesProvisioningErrors onPremisesSyncEnabled
        phones proxyAddresses serviceProvisioningErrors surname"""
    ),
    navigation=_names("directReports manager memberOf onPremisesSyncBehavior transitiveMemberOf"),
    collections=_names(
        "addresses onPremisesProvisioningErrors phones proxyAddresses serviceProvisioningErrors"
    ),
    booleans=_names("onPremisesSyncEnabled"),
    strings=_names("companyName department displayName givenName id jobTitle mail mailNickname surname"),
    filterable=_names(
        """companyName department displayName givenName id jobTitle mail mailNickname
        onPremisesSyncEnabled proxyAddresses surname"""
    ),
    directory_object=True,
)

DOMAIN = EntityType(
    odata_type="microsoft.graph.domain",
    resource="Domain",
    properties=_names(
        """authenticationType availabilityStatus id isAdminManaged isDefault isInitial isRoot
        isVerified manufacturer model passwordNotificationWindowInDays passwordValidityPeriodInDays
        state supportedServices"""
    ),
    navigation=_names(
        "domainNameReferences federationConfiguration rootDomain serviceConfigurationRecords verificationDnsRecords"
    ),
    collections=_names("supportedServices"),
    booleans=_names("isAdminManaged isDefault isInitial isRoot isVerified"),
    strings=_names("authenticationType availabilityStatus id manufacturer model"),
    filterable=_names("authenticationType id isDefault isInitial isVerified"),
    non_null=(("authenticationType", "Managed"), ("isAdminManaged", True), ("isDefault", False),
              ("isInitial", False), ("isRoot", True), ("isVerified", False)),
)

ROLE_ASSIGNMENT = EntityType(
    odata_type="microsoft.graph.unifiedRoleAssignment",
    resource="unifiedRoleAssignment",
    properties=_names(
        "appScopeId condition directoryScopeId id principalId principalOrganizationId roleDefinitionId"
    ),
    navigation=_names("appScope directoryScope principal roleDefinition"),
    strings=_names(
        "appScopeId condition directoryScopeId id principalId principalOrganizationId roleDefinitionId"
    ),
    filterable=_names("appScopeId directoryScopeId id principalId roleDefinitionId"),
)

ROLE_ELIGIBILITY_SCHEDULE = EntityType(
    odata_type="microsoft.graph.unifiedRoleEligibilitySchedule",
    resource="unifiedRoleEligibilitySchedule",
    properties=_names(
        """appScopeId createdDateTime createdUsing directoryScopeId id memberType modifiedDateTime
        principalId roleDefinitionId scheduleInfo status"""
    ),
    navigation=_names("appScope directoryScope principal roleDefinition"),
    strings=_names(
        "appScopeId createdUsing directoryScopeId id memberType principalId roleDefinitionId status"
    ),
    filterable=_names("appScopeId directoryScopeId id memberType principalId roleDefinitionId status"),
)

ROLE_ELIGIBILITY_SCHEDULE_INSTANCE = EntityType(
    odata_type="microsoft.graph.unifiedRoleEligibilityScheduleInstance",
    resource="unifiedRoleEligibilityScheduleInstance",
    properties=_names(
        """appScopeId directoryScopeId endDateTime id memberType principalId roleDefinitionId
        roleEligibilityScheduleId startDateTime"""
    ),
    navigation=_names("appScope directoryScope principal roleDefinition"),
    strings=_names(
        "appScopeId directoryScopeId id memberType principalId roleDefinitionId roleEligibilityScheduleId"
    ),
    filterable=_names("appScopeId directoryScopeId id memberType principalId roleDefinitionId"),
)

ROLE_DEFINITION = EntityType(
    odata_type="microsoft.graph.unifiedRoleDefinition",
    resource="unifiedRoleDefinition",
    properties=_names(
        """description displayName id isBuiltIn isEnabled resourceScopes rolePermissions templateId
        version"""
    ),
    navigation=_names("inheritsPermissionsFrom"),
    collections=_names("resourceScopes rolePermissions"),
    booleans=_names("isBuiltIn isEnabled"),
    strings=_names("description displayName id templateId version"),
    filterable=_names("displayName id isBuiltIn templateId"),
)

ORGANIZATION = EntityType(
    odata_type="microsoft.graph.organization",
    resource="Organization",
    properties=_names(
        """assignedPlans businessPhones city country countryLetterCode createdDateTime
        defaultUsageLocation deletedDateTime displayName id marketingNotificationEmails
        mobileDeviceManagementAuthority onPremisesLastSyncDateTime onPremisesSyncEnabled
        partnerTenantType postalCode preferredLanguage privacyProfile provisionedPlans
        securityComplianceNotificationMails securityComplianceNotificationPhones state street
        technicalNotificationMails tenantType verifiedDomains"""
    ),
    navigation=_names("branding certificateBasedAuthConfiguration extensions"),
    collections=_names(
        """assignedPlans businessPhones marketingNotificationEmails provisionedPlans
        securityComplianceNotificationMails securityComplianceNotificationPhones
        technicalNotificationMails verifiedDomains"""
    ),
    booleans=_names("onPremisesSyncEnabled"),
)

SYNC = EntityType(
    odata_type="microsoft.graph.onPremisesDirectorySynchronization",
    resource="onPremisesDirectorySynchronization",
    properties=_names("configuration features id"),
)

SYNC_BEHAVIOR = EntityType(
    odata_type="microsoft.graph.onPremisesSyncBehavior",
    resource="onPremisesSyncBehavior",
    properties=_names("id isCloudManaged"),
    booleans=_names("isCloudManaged"),
)

# A complex type, given as an EntityType so $select on /users/{id}/mailboxSettings is checked alike.
MAILBOX_SETTINGS = EntityType(
    odata_type="microsoft.graph.mailboxSettings",
    resource="mailboxSettings",
    properties=_names(
        """archiveFolder automaticRepliesSetting dateFormat delegateMeetingMessageDeliveryOptions
        language timeFormat timeZone userPurpose workingHours"""
    ),
    strings=_names("archiveFolder dateFormat timeFormat timeZone"),
)

# Built-in directory role template ids (the same in every tenant), used when the data names a
# roleDefinitionId without an expanded roleDefinition.
BUILT_IN_ROLES = {
    "62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
    "e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a": "License Administrator",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
    "9360feb5-f418-4baa-8175-e2a00bac4301": "Directory Writers",
}

# Properties of a user that directory synchronization masters: Graph refuses to change them on a
# synchronized user.
SYNC_MASTERED_USER_PROPERTIES = _names(
    """accountEnabled businessPhones city companyName country department displayName employeeId
    employeeType faxNumber givenName jobTitle mail mailNickname mobilePhone officeLocation
    onPremisesImmutableId otherMails postalCode proxyAddresses state streetAddress surname
    userPrincipalName"""
)

# Properties Graph treats as read-only on PATCH /users/{id}.
READ_ONLY_USER_PROPERTIES = _names(
    """assignedPlans createdDateTime creationType deletedDateTime id identityParentId
    lastPasswordChangeDateTime licenseAssignmentStates onPremisesDistinguishedName
    onPremisesDomainName onPremisesLastSyncDateTime onPremisesProvisioningErrors
    onPremisesSamAccountName onPremisesSecurityIdentifier onPremisesSyncEnabled
    onPremisesUserPrincipalName provisionedPlans proxyAddresses securityIdentifier
    serviceProvisioningErrors signInActivity signInSessionsValidFromDateTime"""
)
