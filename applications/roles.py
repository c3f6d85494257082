"""Staff roles. The groups and their permissions are created by a migration."""

OFFICERS = "经办人员"
EXPERTS = "评审专家"
