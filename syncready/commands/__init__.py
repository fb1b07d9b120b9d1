"""Sub-commands of `syncready`; each module registers its parser and handler."""
from . import check, checklist, demo, fix, info, report, snapshot, undo, verify

REGISTRARS = [check.register, fix.register, undo.register, info.register_list, info.register_explain,
              report.register, demo.register, snapshot.register,
              verify.register, checklist.register]
