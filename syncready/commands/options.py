"""Options shared by the commands that read sources (SPEC §5 live options) or write reports."""
from __future__ import annotations

import argparse

from ..options import DEFAULT_GRAPH_URL, JSON_SCHEMA, GraphAuth, LdapAuth

AUTH_METHODS = tuple(m.value for m in GraphAuth)
LDAP_AUTH_METHODS = tuple(m.value for m in LdapAuth)
KERBEROS_HELP = ("how to bind to AD (default simple). kerberos: with the Python package gssapi, the ticket "
                 "of kinit (or --ldap-user's principal); on Windows with winkerberos and without gssapi, the "
                 "signed-in Windows user through SSPI, no password and no --ldap-user. Verified on Linux "
                 "(gssapi, Samba AD); the Windows SSPI bind is untested")


def add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sources (a --snapshot folder supplies whatever live options leave out)")
    group.add_argument("--snapshot", metavar="DIR", help="snapshot folder (cloud/, onprem/)")
    group.add_argument("--config", metavar="FILE", help="syncready.toml (default ./syncready.toml when present)")
    group.add_argument("--graph-url", metavar="URL", default=None,
                       help=f"Microsoft Graph base URL (default {DEFAULT_GRAPH_URL})")
    group.add_argument("--tenant-id", metavar="ID")
    group.add_argument("--client-id", metavar="ID")
    group.add_argument("--auth", choices=AUTH_METHODS,
                       help="how to authenticate to Graph; secrets come from AZURE_CLIENT_SECRET, "
                            "AZURE_CLIENT_CERTIFICATE_PATH (+_PASSWORD) or SYNCREADY_GRAPH_TOKEN")
    group.add_argument("--ldap-url", metavar="URL", help="ldaps://HOST[:PORT] or ldap://HOST[:PORT] (StartTLS)")
    group.add_argument("--ldap-base", metavar="DN", action="append",
                       help="search base (repeat for several domains of a forest)")
    group.add_argument("--ldap-user", metavar="USER")
    group.add_argument("--ldap-auth", choices=LDAP_AUTH_METHODS, default=LdapAuth.SIMPLE.value, help=KERBEROS_HELP)
    group.add_argument("--ldap-ca-file", metavar="FILE", help="CA certificate(s) that sign the DC's certificate")
    group.add_argument("--ldap-insecure", action="store_true",
                       help="do not validate the DC's certificate (said on every run)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request with its timing")


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--select", metavar="IDS", action="append", help="check ids, comma-separated")
    parser.add_argument("--ignore", metavar="IDS", action="append", help="check ids to leave out")
    parser.add_argument("--user", metavar="UPN", action="append", dest="users",
                        help="only this user (UPN, or DN for on-prem subjects); repeatable")


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="FILE", help="write the results JSON")
    parser.add_argument("--json-schema", type=int, choices=(1, 2), default=JSON_SCHEMA,
                        help="the results JSON's layout: 2 (default) users as rows of tables, half the bytes; "
                             "1 one object per subject, for tools written for syncready/results/1")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML")
    parser.add_argument("--html", metavar="FILE", help="write the HTML report")
    parser.add_argument("--markdown", metavar="FILE", help="write a Markdown summary")
    parser.add_argument("--csv", metavar="FILE",
                        help="write the worklist for Excel: one row per cloud user (UTF-8 with BOM)")
