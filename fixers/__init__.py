"""One module per check id: the fixer paired with checks/<same name>.py."""
