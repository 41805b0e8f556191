"""The three roles as Django groups, with the permissions each one holds.

Groups are synced after every `migrate`, so a fresh database has them and a new model's
permissions reach the roles without a hand-written data migration.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes

AGENT = "agent"
MANAGER = "manager"
RM = "rm"
# RM staff who may see 성민감 cases (and everything plain RM does).
RM_SENSITIVE = "rm_sensitive"

ROLE_LABELS = {AGENT: "상담사", MANAGER: "관리자", RM: "RM팀", RM_SENSITIVE: "RM팀 (성민감 열람)"}

# app_label -> model -> actions ("view", "add", "change", "delete"). Custom permissions are
# listed by codename under the "custom" key. Missing models are ignored, so a role may name
# models that a later migration adds.
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, list[str]]]] = {
    AGENT: {
        "policies": {
            "policyversion": ["view"],
            "rule": ["view"],
            "rulerow": ["view"],
            "tieroutcome": ["view"],
            "fareband": ["view"],
            "rowcondition": ["view"],
            "rowpenalty": ["view"],
            "effect": ["view"],
            "penaltyrule": ["view"],
            "reliefprogram": ["view"],
            "reliefprogramversion": ["view"],
        },
        "claims": {
            "claim": ["view", "add"],
            "claimdecision": ["view"],
            "claimevent": ["view"],
            "reliefapplication": ["view", "add"],
            "reliefapplicationgrant": ["view"],
            "reliefapplicationevent": ["view"],
        },
        "incidents": {
            "account": ["view"],
            "violation": ["view"],
            "restriction": ["view"],
            "review": ["view"],
            "accountevent": ["view"],
        },
        "payouts": {"payoutrequest": ["view"]},
        "custom": {"policies": ["quote_policy"]},
    },
    MANAGER: {
        "claims": {
            "claim": ["view", "add"],
            "escalatedclaim": ["view"],
            "claimdecision": ["view"],
            "claimevent": ["view"],
            "reliefapplication": ["view", "add"],
            "reliefapplicationgrant": ["view"],
            "reliefapplicationevent": ["view"],
            "reliefimport": ["view", "add"],
        },
        "policies": {
            "policyversion": ["view", "add", "change"],
            "rule": ["view", "add", "change", "delete"],
            "rulerow": ["view", "add", "change", "delete"],
            "tieroutcome": ["view", "add", "change", "delete"],
            "fareband": ["view", "add", "change", "delete"],
            "rowcondition": ["view", "add", "change", "delete"],
            "rowpenalty": ["view", "add", "change", "delete"],
            "effect": ["view", "add", "change", "delete"],
            "penaltyrule": ["view", "add", "change", "delete"],
            "rmcategory": ["view", "add", "change", "delete"],
            "rmsubtype": ["view", "add", "change", "delete"],
            "policyversionevent": ["view"],
            # Insurance lines and the personal-information liability rule (issue 13).
            "insuranceline": ["view", "add", "change", "delete"],
            "coverageruleversion": ["view", "add", "change"],
            "coverageband": ["view", "add", "change", "delete"],
            "coverageminimum": ["view", "add", "change", "delete"],
            "reliefprogram": ["view", "change"],
            "reliefprogramversion": ["view", "add", "change"],
            "reliefprogramsegment": ["view", "add", "change", "delete"],
            "relieflosstier": ["view", "add", "change", "delete"],
            "reliefgrant": ["view", "add", "change", "delete"],
            "reliefdriverband": ["view", "add", "change", "delete"],
            "reliefwindow": ["view", "add", "change", "delete"],
            "reliefevidence": ["view", "add", "change", "delete"],
            "reliefversionevent": ["view"],
        },
        "incidents": {
            "account": ["view"],
            "violation": ["view"],
            "restriction": ["view"],
            "review": ["view"],
            "accountevent": ["view"],
            "incident": ["view"],
            "incidentparty": ["view"],
            "incidentevent": ["view"],
            "incidentshare": ["view"],
        },
        "payouts": {
            "payoutrequest": ["view"],
            "payoutbatch": ["view"],
            "ledgerentry": ["view"],
            "blanketgrant": ["view", "add", "change"],
            "blanketgrantevent": ["view"],
            "payoutrequestevent": ["view"],
            "couponreminder": ["view"],
            "notification": ["view"],
        },
        "custom": {
            "policies": [
                "quote_policy",
                "publish_policyversion",
                "publish_reliefprogramversion",
                "check_coverage",
            ],
            "claims": ["view_all_claim"],
            "payouts": [
                "retry_payoutrequest",
                "cancel_payoutrequest",
                "run_blanketgrant",
                "view_all_payoutrequest",
            ],
            # Managers record violations and conditions and lift suspensions (a customer's
            # app suspension among them); bans and reviews are RM's.
            # Managers work the RM queue too, but see no 성민감 case (rm_sensitive does).
            "incidents": [
                "view_personal_data",
                "record_violation",
                "lift_restriction",
                "work_incident",
            ],
        },
    },
    RM: {
        # RM sees the lines an incident may be claimed against.
        "policies": {
            "policyversion": ["view"],
            "rule": ["view"],
            "penaltyrule": ["view"],
            "insuranceline": ["view"],
            "rmcategory": ["view"],
            "rmsubtype": ["view"],
        },
        "incidents": {
            "account": ["view"],
            "violation": ["view"],
            "restriction": ["view"],
            "review": ["view"],
            "accountevent": ["view"],
            "personaldataaccess": ["view"],
            "incident": ["view"],
            "incidentparty": ["view"],
            "incidentevent": ["view"],
            "incidentshare": ["view"],
            "incidentevidence": ["view"],
            "accountflag": ["view"],
        },
        "custom": {
            "policies": ["quote_policy"],
            "incidents": [
                "view_personal_data",
                "record_violation",
                "lift_restriction",
                "reverse_ban",
                "decide_review",
                "work_incident",
            ],
        },
    },
}
# Relief review (issue 13): managers (the operators of a relief program) work the committee
# queue, upload evidence, draw and record the audit and import files. Merged into the role's
# entries so the relief intake's own lines stay as they are.
_RELIEF_REVIEW = {
    "reliefapplication": ["view"],
    "reliefapplicationevent": ["view"],
    "reliefimport": ["view", "add"],
    "reliefdecision": ["view"],
    "reliefevidencefile": ["view", "add"],
    "committeequeueitem": ["view"],
    "auditsampleitem": ["view"],
    "reliefauditdraw": ["view"],
    "reliefauditresult": ["view"],
}
for _model, _actions in _RELIEF_REVIEW.items():
    _held = ROLE_PERMISSIONS[MANAGER]["claims"].setdefault(_model, [])
    _held += [a for a in _actions if a not in _held]
ROLE_PERMISSIONS[MANAGER]["custom"]["claims"] = [
    *ROLE_PERMISSIONS[MANAGER]["custom"].get("claims", []),
    "decide_reliefapplication",
    "audit_reliefapplication",
    "view_relief_dashboard",
]

ROLE_PERMISSIONS[RM_SENSITIVE] = {
    **ROLE_PERMISSIONS[RM],
    "custom": {
        **ROLE_PERMISSIONS[RM]["custom"],
        "incidents": [*ROLE_PERMISSIONS[RM]["custom"]["incidents"], "view_sensitive_incident"],
    },
}


def _permissions_for(role: str) -> list[Permission]:
    wanted: list[tuple[str, str]] = []
    spec = ROLE_PERMISSIONS[role]
    for app_label, models in spec.items():
        if app_label == "custom":
            continue
        for model, actions in models.items():
            wanted += [(app_label, f"{action}_{model}") for action in actions]
    for app_label, codenames in spec.get("custom", {}).items():
        wanted += [(app_label, codename) for codename in codenames]
    perms = []
    for app_label, codename in wanted:
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is not None:
            perms.append(perm)
    return perms


def sync_roles() -> None:
    for role in ROLE_PERMISSIONS:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions_for(role))


def sync_roles_after_migrate(sender, **kwargs) -> None:  # type: ignore[no-untyped-def]
    # post_migrate is sent once per app; permissions of apps later in the list may not exist
    # yet, so create every app's content types and permissions before assigning them.
    using = kwargs.get("using", "default")
    for app_config in global_apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0, using=using)
        create_permissions(app_config, verbosity=0, using=using)
    sync_roles()
