"""SPEC §10 on the AD side: objectSid, the password FILETIMEs, Exchange's recipient attributes and
groupType — mapped, covered (with the "no Exchange schema" signal), read live from Samba (whose test
schema carries Exchange's attributes), written and undone byte for byte, and carried through LDIF.
"""
from __future__ import annotations

import io
import subprocess
import uuid

import ldap3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures_samba import live_args
from syncready.coverage import Collection, Coverage
from syncready.errors import SourceError
from syncready.model import Directory
from syncready.plan import Change
from syncready.sid import sid_from_text, sid_to_text
from syncready.sources import ldapconn, ldapread
from syncready.sources.admap import (AD_ATTRIBUTES, EXCHANGE_ATTRIBUTES, FIELDS, NO_EXCHANGE_SCHEMA,
                                     SPARSE_PROPERTIES, no_exchange_schema, onprem_from_attributes, record_onprem)
from syncready.sources.ldif import iter_ldif, write_ldif
from syncready.sources.snapshot import read_snapshot
from syncready.vocab import Operation, Target
from syncready.writers.ldap_writer import LdapWriter

USER = [b"top", b"person", b"organizationalPerson", b"user"]
GROUP = [b"top", b"group"]
SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
MAILBOX_GUID = uuid.UUID("5b8a1c2e-7f3d-4e6a-9b1c-2d3e4f5a6b7c")
X500 = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=alice"
REMOTE_USER, REMOTE_SHARED = 2147483648, 34359738368
NEVER = 9223372036854775807
USERS_OC = ["top", "person", "organizationalPerson", "user"]
EXCHANGE_TYPES = ["msExchMailboxGuid", "msExchRecipientTypeDetails", "msExchRemoteRecipientType"]


def exchange_user(**extra) -> dict[str, list[bytes]]:
    attrs = {"objectClass": USER, "userAccountControl": [b"512"], "objectSid": [sid_from_text(SID)],
             "pwdLastSet": [b"0"],
             "accountExpires": [str(NEVER).encode()], "lastLogonTimestamp": [b"133500000000000000"],
             "msExchMailboxGuid": [MAILBOX_GUID.bytes_le], "msExchRecipientTypeDetails": [str(REMOTE_USER).encode()],
             "msExchRemoteRecipientType": [b"4"], "targetAddress": [b"SMTP:alice@contoso.mail.onmicrosoft.com"],
             "homeMDB": [b"CN=DB01,CN=Databases,CN=Exchange,CN=Configuration,DC=contoso,DC=test"],
             "legacyExchangeDN": [X500.encode()]}
    attrs.update(extra)
    return attrs


# -- mapping --------------------------------------------------------------------------------------

def test_every_new_attribute_is_requested():
    assert set(FIELDS) <= set(AD_ATTRIBUTES)


def test_the_new_attributes_are_mapped():
    obj = onprem_from_attributes("CN=Alice,DC=contoso,DC=test", exchange_user())
    assert obj.object_sid == sid_from_text(SID) and obj.sid == SID
    assert (obj.pwd_last_set, obj.account_expires, obj.last_logon_timestamp) == (0, NEVER, 133500000000000000)
    assert obj.exch_mailbox_guid == MAILBOX_GUID.bytes_le
    assert (obj.exch_recipient_type_details, obj.exch_remote_recipient_type) == (REMOTE_USER, 4)
    assert obj.target_address == "SMTP:alice@contoso.mail.onmicrosoft.com"
    assert obj.home_mdb.startswith("CN=DB01,") and obj.legacy_exchange_dn == X500
    text_forms = exchange_user(objectSid=[SID.encode()], msExchMailboxGuid=[str(MAILBOX_GUID).encode()])
    as_text = {k: [v.decode() for v in vs] for k, vs in text_forms.items()}
    again = onprem_from_attributes("CN=Alice,DC=contoso,DC=test", as_text)
    assert (again.sid, again.exch_mailbox_guid) == (SID, MAILBOX_GUID.bytes_le), "the text forms ldbsearch writes"


@pytest.mark.parametrize(("written", "signed"), [(b"-2147483646", -2147483646), (b"2147483650", -2147483646),
                                                 (b"4", 4), (b"-2147483640", -2147483640)])
def test_group_type_is_the_signed_32_bit_value(written, signed):
    group = onprem_from_attributes("CN=G,DC=x", {"objectClass": GROUP, "groupType": [written]})
    assert group.object_class == "group" and group.group_type == signed


@pytest.mark.parametrize(("attribute", "value", "expected"), [
    ("pwdLastSet", b"never", "pwdLastSet 'never' is not an integer"),
    ("accountExpires", b"", "accountExpires '' is not an integer"),
    ("lastLogonTimestamp", b"1.5", "lastLogonTimestamp '1.5' is not an integer"),
    ("msExchRecipientTypeDetails", b"SharedMailbox", "msExchRecipientTypeDetails 'SharedMailbox' is not an integer"),
    ("msExchRemoteRecipientType", b"0x64", "msExchRemoteRecipientType '0x64' is not an integer"),
    ("groupType", b"4294967296", "groupType 4294967296 is not a 32-bit integer"),
    ("objectSid", b"\x01\x05\x00\x00\x00\x00\x00", "objectSid of 7 bytes is too short"),
    ("objectSid", b"\x01\x05" + bytes(10), "objectSid of 12 bytes does not hold its 5 sub-authorities"),
    ("objectSid", b"S-1-5-x", "objectSid 'S-1-5-x' is not a SID (S-1-5-21-...)"),
    ("msExchMailboxGuid", bytes(15), "msExchMailboxGuid is 15 bytes, expected 16"),
    ("lastLogonTimestamp", b"\xff1", "lastLogonTimestamp is not valid UTF-8 text (byte 0xff at offset 0)"),
])
def test_malformed_values_are_one_line_errors(attribute, value, expected, tmp_path):
    with pytest.raises(ValueError) as info:
        onprem_from_attributes("CN=Alice,DC=x", exchange_user(**{attribute: [value]}))
    assert str(info.value) == expected
    (tmp_path / "onprem").mkdir()
    with open(tmp_path / "onprem" / "ad.ldif", "w") as fp:
        write_ldif(fp, [("CN=Alice,DC=x", exchange_user(**{attribute: [value]}))])
    with pytest.raises(SourceError) as info:
        read_snapshot(tmp_path, parts=("onprem",))
    message = str(info.value)
    assert "\n" not in message and expected in message and "line 1" in message


# -- coverage -------------------------------------------------------------------------------------

def covered(objects, selected=None, exchange=None) -> Coverage:
    coverage = Coverage.from_reader()
    record_onprem(coverage, objects, "ad.ldif", selected, exchange)
    return coverage


def props(collection, names=None) -> list[str]:
    return [f"{collection}.{p}" for p in (names or SPARSE_PROPERTIES[collection])]


def test_an_export_without_an_attribute_leaves_it_not_read():
    bare = onprem_from_attributes("CN=B,DC=x", {"objectClass": USER})
    alice = onprem_from_attributes("CN=A,DC=x", exchange_user(lastLogonTimestamp=[], homeMDB=[]))
    coverage = covered([alice, bare])
    assert not no_exchange_schema(coverage)
    assert coverage.unread(props(Collection.AD_USERS)) == [
        f"adUsers.{p} (absent or empty in every record: not selected in the export)"
        for p in ("lastLogonTimestamp", "homeMDB")]
    assert coverage.unread(props(Collection.AD_GROUPS, ["groupType", "objectSid"])) == []  # no groups: nothing absent


def test_no_exchange_attribute_anywhere_means_no_exchange_schema():
    users = [onprem_from_attributes(f"CN={n},DC=x", {"objectClass": USER, "userAccountControl": [b"512"],
                                                     "objectSid": [sid_from_text(f"{SID}{n}")],
                                                     "pwdLastSet": [b"0"], "accountExpires": [b"0"],
                                                     "lastLogonTimestamp": [b"1"]}) for n in range(3)]
    group = onprem_from_attributes("CN=G,DC=x", {"objectClass": GROUP, "objectSid": [sid_from_text(SID)]})
    coverage = covered([*users, group])
    assert no_exchange_schema(coverage) and any(NO_EXCHANGE_SCHEMA in note for note in coverage.notes)
    assert coverage.unread(props(Collection.AD_USERS)) == []
    assert coverage.unread(props(Collection.AD_CONTACTS)) == []
    assert coverage.unread(props(Collection.AD_GROUPS)) == [
        "adGroups.groupType (absent or empty in every record: not selected in the export)"]


def test_a_live_selection_is_a_reading_even_when_nobody_has_the_value():
    bare = onprem_from_attributes("CN=B,DC=x", {"objectClass": USER, "msExchRecipientTypeDetails": [b"1"]})
    everything = {name: AD_ATTRIBUTES for name in SPARSE_PROPERTIES}
    assert covered([bare], everything, exchange=True).unread(props(Collection.AD_USERS)) == []
    without = {name: [a for a in AD_ATTRIBUTES if a not in ("pwdLastSet", "accountExpires")]
               for name in SPARSE_PROPERTIES}
    coverage = covered([bare], without, exchange=True)
    assert [u.split(" ")[0] for u in coverage.unread(props(Collection.AD_USERS))] == [
        "adUsers.pwdLastSet", "adUsers.accountExpires"]
    no_schema = covered([bare], everything, exchange=False)
    assert no_exchange_schema(no_schema) and no_schema.unread(props(Collection.AD_USERS, EXCHANGE_ATTRIBUTES)) == []


# -- LDIF round trip ------------------------------------------------------------------------------

sids = st.builds(lambda subs: "-".join(["S-1-5-21", *map(str, subs)]),
                 st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=5))
texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("ldif") / "ad.ldif"


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sid=sids, guid=st.binary(min_size=16, max_size=16), filetimes=st.lists(st.integers(0, NEVER), min_size=3,
       max_size=3), types=st.lists(st.integers(0, 2**40), min_size=2, max_size=2),
       group_type=st.integers(-(2**31), 2**31 - 1), target=texts, home=texts, legacy=texts)
def test_the_new_attributes_survive_an_ldif_round_trip(scratch, sid, guid, filetimes, types, group_type, target, home,
                                                       legacy):
    user = {"objectClass": USER, "objectSid": [sid_from_text(sid)], "pwdLastSet": [str(filetimes[0]).encode()],
            "accountExpires": [str(filetimes[1]).encode()], "lastLogonTimestamp": [str(filetimes[2]).encode()],
            "msExchMailboxGuid": [guid], "msExchRecipientTypeDetails": [str(types[0]).encode()],
            "msExchRemoteRecipientType": [str(types[1]).encode()], "targetAddress": [target.encode()],
            "homeMDB": [home.encode()], "legacyExchangeDN": [legacy.encode()]}
    group = {"objectClass": GROUP, "objectSid": [sid_from_text(sid)], "groupType": [str(group_type).encode()]}
    text = io.StringIO()
    write_ldif(text, [("CN=U,DC=x", user), ("CN=G,DC=x", group)])
    assert text.getvalue().isascii()
    scratch.write_text(text.getvalue(), encoding="ascii")
    path = scratch
    read = [onprem_from_attributes(dn, attrs) for dn, attrs in iter_ldif(path)]
    expected = [onprem_from_attributes("CN=U,DC=x", user), onprem_from_attributes("CN=G,DC=x", group)]
    assert read == expected
    assert read[0].sid == sid and read[0].exch_mailbox_guid == guid and read[1].group_type == group_type
    assert (read[0].target_address, read[0].home_mdb, read[0].legacy_exchange_dn) == (target, home, legacy)



# -- Samba ----------------------------------------------------------------------------------------

@pytest.fixture
def password(monkeypatch, contoso_dc):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, contoso_dc.admin_password)
    return contoso_dc.admin_password


def read(options) -> Directory:
    return ldapread.read_onprem(options, into=Directory())


def samba_tool_sid(dc, sam: str) -> str:
    result = subprocess.run(["samba-tool", "user", "show", sam, "-H", dc.sam_ldb, "--attributes=objectSid"],
                            capture_output=True, text=True, env=dc._local_env(), check=True)
    return next(line.split(":", 1)[1].strip() for line in result.stdout.splitlines() if line.startswith("objectSid:"))


def test_the_sid_read_is_the_one_samba_holds(contoso_dc, password):
    directory = read(live_args(contoso_dc))
    alice = next(o for o in directory.onprem if o.sam == "alice.johnson")
    assert alice.sid == samba_tool_sid(contoso_dc, "alice.johnson")
    assert alice.sid.startswith("S-1-5-21-") and sid_to_text(alice.object_sid) == alice.sid
    sids = [o.sid for o in directory.onprem if o.object_class != "contact"]
    assert all(sids) and len(set(sids)) == len(sids)
    assert not no_exchange_schema(directory.coverage), "the test DC carries Exchange's schema"
    assert directory.coverage.unread([p for name in SPARSE_PROPERTIES for p in props(name)]) == []


def test_exchange_attributes_written_over_ldap_are_read_back(fresh_contoso_dc, monkeypatch):
    dc = fresh_contoso_dc
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
    conn = dc.connect(get_info=ldap3.NONE)
    database = f"CN=DB01,{dc.base_dn}"
    assert conn.add(database, ["top", "container"]), conn.result
    alice = f"CN=Alice Johnson,OU=Staff,{dc.base_dn}"
    values = {"msExchMailboxGuid": MAILBOX_GUID.bytes_le, "msExchRecipientTypeDetails": str(REMOTE_SHARED),
              "msExchRemoteRecipientType": "100", "targetAddress": "SMTP:alice@contoso.mail.onmicrosoft.com",
              "homeMDB": database, "legacyExchangeDN": X500}
    assert conn.modify(alice, {k: [(ldap3.MODIFY_REPLACE, [v])] for k, v in values.items()}), conn.result
    group = f"CN=Mail Group,OU=Staff,{dc.base_dn}"
    assert conn.add(group, ["top", "group"], {"sAMAccountName": "mailgroup", "groupType": "8", "mail": "g@contoso.com",
                                              "msExchRecipientTypeDetails": "8"}), conn.result
    contact = f"CN=Partner,OU=Staff,{dc.base_dn}"
    assert conn.add(contact, USERS_OC[:3] + ["contact"], {"targetAddress": "SMTP:p@fabrikam.com",
                                                          "msExchRecipientTypeDetails": "64"}), conn.result
    by_dn = {o.dn: o for o in read(live_args(dc)).onprem}
    got = by_dn[alice]
    assert got.exch_mailbox_guid == MAILBOX_GUID.bytes_le
    assert (got.exch_recipient_type_details, got.exch_remote_recipient_type) == (REMOTE_SHARED, 100)
    assert (got.target_address, got.home_mdb, got.legacy_exchange_dn) == (values["targetAddress"], database, X500)
    assert (by_dn[group].group_type, by_dn[group].exch_recipient_type_details) == (8, 8)
    assert by_dn[group].mail == "g@contoso.com"
    assert (by_dn[contact].target_address, by_dn[contact].exch_recipient_type_details) == ("SMTP:p@fabrikam.com", 64)
    assert by_dn[group].sid.startswith("S-1-5-21-") and by_dn[contact].sid is None


@pytest.mark.live
def test_a_dc_without_exchange_schema_is_read_and_says_so(plain_dc, monkeypatch):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, plain_dc.admin_password)
    conn = plain_dc.connect(get_info=ldap3.SCHEMA)
    with pytest.raises(ldap3.core.exceptions.LDAPAttributeError):      # what a schema-checking client would do
        conn.search(plain_dc.base_dn, "(objectClass=user)", attributes=["msExchRecipientTypeDetails"])
    directory = read(live_args(plain_dc))
    admin = next(o for o in directory.onprem if o.sam == "Administrator")
    assert admin.sid == samba_tool_sid(plain_dc, "Administrator") and admin.sid.endswith("-500")
    assert admin.exch_recipient_type_details is None and admin.pwd_last_set
    assert no_exchange_schema(directory.coverage)
    assert directory.coverage.unread(props(Collection.AD_USERS)) == [], "no Exchange schema is a reading, not a gap"
    groups = [o for o in directory.onprem if o.object_class == "group"]
    assert groups and all(g.group_type is not None for g in groups)


@pytest.mark.parametrize("guid", [MAILBOX_GUID.bytes_le, bytes(16), b"\n\r " + bytes(range(250, 255)) + b"\xff" * 8])
def test_ldap_writer_writes_and_undoes_binary_and_integers_exactly(fresh_contoso_dc, monkeypatch, guid):
    dc = fresh_contoso_dc
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
    alice = f"CN=Alice Johnson,OU=Staff,{dc.base_dn}"
    admin = dc.connect(get_info=ldap3.NONE)
    assert admin.modify(alice, {"msExchRecipientTypeDetails": [(ldap3.MODIFY_REPLACE, [str(REMOTE_USER)])]})
    writer = LdapWriter(ldapconn.connect(live_args(dc)))
    before = writer.read(alice, EXCHANGE_TYPES)

    def change(attribute, remove=(), add=()):
        return Change("exchange-remote-mailbox", "alice.johnson@contoso.com", Target.ONPREM, Operation.MODIFY,
                      alice, attribute, remove=list(remove), add=list(add))

    changes = [change("msExchMailboxGuid", add=[guid]),
               change("msExchRecipientTypeDetails", remove=[REMOTE_USER], add=[REMOTE_SHARED]),
               change("msExchRemoteRecipientType", add=[100])]
    for item in changes:
        item = Change.from_json(item.to_json())         # as the journal stores and reads it back
        assert writer.state(item) == "before"
        writer.apply(item)
        assert writer.state(item) == "after"
    after = writer.read(alice, EXCHANGE_TYPES)
    assert after == {"msexchmailboxguid": [guid], "msexchrecipienttypedetails": [str(REMOTE_SHARED).encode()],
                     "msexchremoterecipienttype": [b"100"]}
    for item in reversed(changes):
        writer.apply(item.inverse())
        assert writer.state(item) == "before"
    assert writer.read(alice, EXCHANGE_TYPES) == before
