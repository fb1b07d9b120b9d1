"""Sub-commands of `syncready`; each module registers its parser and handler."""
from . import check, demo, info, report

REGISTRARS = [check.register, info.register_list, info.register_explain, report.register, demo.register]
