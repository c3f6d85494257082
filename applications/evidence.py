"""The evidence language: which documents every application needs, and a disease's evidence rule
(an AND/OR tree of document kinds) — how it is validated, evaluated and explained.

Used by the completeness check, by the catalogue importers and by the catalogue's admin form, so a
rule an admin can save is exactly a rule the check understands.

A rule is a document kind (a leaf) or a node ``{"all": [...]}`` / ``{"any": [...]}`` with exactly one
key and a non-empty list of rules, e.g.
``{"all": ["diagnosis_certificate", "treatment_record", {"any": ["pathology_report", "imaging_report"]}]}``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from applications.models import DocumentKind

# Every application needs these four; an agent (代办) application also needs the agent's ID card.
BASE_KINDS: tuple[str, ...] = (
    DocumentKind.ID_CARD_FRONT,
    DocumentKind.ID_CARD_BACK,
    DocumentKind.INSURANCE_CARD,
    DocumentKind.APPLICATION_FORM,
)
AGENT_KIND = DocumentKind.AGENT_ID_CARD
# Filed by a hospital or a window for the person: their signed consent.
CONSENT_KIND = DocumentKind.CONSENT_FORM
# Checked for every application, so never part of a disease's own rule.
NOT_EVIDENCE = frozenset({*BASE_KINDS, AGENT_KIND, CONSENT_KIND})
EVIDENCE_KINDS = frozenset(DocumentKind.values) - NOT_EVIDENCE
OPERATORS = ("all", "any")
MAX_DEPTH = 8

Tree = str | dict[str, list["Tree"]]


def required_base_kinds(*, has_agent: bool, filed_at_desk: bool = False) -> list[str]:
    kinds = [*BASE_KINDS, AGENT_KIND] if has_agent else list(BASE_KINDS)
    return [*kinds, CONSENT_KIND] if filed_at_desk else kinds


def kind_label(kind: str) -> str:
    return DocumentKind(kind).label


# --- validating a rule -----------------------------------------------------------------------------


def evidence_validate(tree: object) -> None:
    """Raise ValidationError (Chinese, naming the bad node) unless ``tree`` is a well-formed rule."""
    _validate(tree, path="evidence", depth=0)


def _validate(tree: object, *, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValidationError(f"认定材料规则 {path} 嵌套超过 {MAX_DEPTH} 层。", code="evidence_too_deep")
    if isinstance(tree, str):
        if tree in NOT_EVIDENCE:
            raise ValidationError(
                f"认定材料规则 {path}：“{tree}”是每份申请都须提交的基本材料，不应写入病种规则。",
                code="evidence_base_kind",
            )
        if tree not in EVIDENCE_KINDS:
            raise ValidationError(f"认定材料规则 {path}：材料种类“{tree}”不存在。", code="evidence_unknown_kind")
        return
    if not isinstance(tree, dict):
        raise ValidationError(
            f'认定材料规则 {path}：应为材料种类或 {{"all": [...]}} / {{"any": [...]}} 节点。',
            code="evidence_node_type",
        )
    keys = list(tree)
    if len(keys) != 1 or keys[0] not in OPERATORS:
        shown = "、".join(str(key) for key in keys) or "无"
        raise ValidationError(
            f"认定材料规则 {path}：节点须且只能有一个键 all 或 any（实际为：{shown}）。",
            code="evidence_node_keys",
        )
    operator = keys[0]
    children = tree[operator]
    if not isinstance(children, list) or not children:
        raise ValidationError(f"认定材料规则 {path}.{operator} 须为非空列表。", code="evidence_empty_node")
    for index, child in enumerate(children):
        _validate(child, path=f"{path}.{operator}[{index}]", depth=depth + 1)


# --- evaluating a (valid) rule against the kinds present -----------------------------------------


def evidence_kinds(tree: object) -> set[str]:
    """Every document kind named in a rule."""
    if isinstance(tree, str):
        return {tree}
    if isinstance(tree, dict):
        return {kind for children in tree.values() for child in children for kind in evidence_kinds(child)}
    return set()


def evidence_satisfied(tree: object, kinds: frozenset[str]) -> bool:
    if isinstance(tree, str):
        return tree in kinds
    assert isinstance(tree, dict)
    if "all" in tree:
        return all(evidence_satisfied(child, kinds) for child in tree["all"])
    return any(evidence_satisfied(child, kinds) for child in tree["any"])


def evidence_unmet_kinds(tree: object, kinds: frozenset[str]) -> set[str]:
    """The kinds that would help satisfy the unmet parts of `tree` (every option of an unmet `any`)."""
    if evidence_satisfied(tree, kinds):
        return set()
    if isinstance(tree, str):
        return {tree}
    assert isinstance(tree, dict)
    if "all" in tree:
        return {kind for child in tree["all"] for kind in evidence_unmet_kinds(child, kinds)}
    return {kind for child in tree["any"] for kind in evidence_kinds(child)}


def evidence_describe(tree: object) -> str:
    """A rule in words: “疾病诊断证明”并且（“病理报告”或“影像学报告”）."""
    if isinstance(tree, str):
        return f"“{kind_label(tree)}”"
    assert isinstance(tree, dict)
    if "all" in tree:
        return "并且".join(_describe_nested(child) for child in tree["all"])
    return "或".join(_describe_nested(child) for child in tree["any"])


def _describe_nested(tree: object) -> str:
    # A node inside another is bracketed, so "A or (B and C)" never reads as "(A or B) and C".
    return evidence_describe(tree) if isinstance(tree, str) else f"（{evidence_describe(tree)}）"


def evidence_missing(tree: object, kinds: frozenset[str]) -> list[dict[str, object]]:
    """One problem per unmet requirement: every child of an unmet `all`, one line for an unmet `any`."""
    if evidence_satisfied(tree, kinds):
        return []
    if isinstance(tree, str):
        message = f"缺少{evidence_describe(tree)}。"
        return [{"code": "document_missing", "field": f"documents.{tree}", "message": message, "kinds": [tree]}]
    assert isinstance(tree, dict)
    if "all" in tree:
        return [problem for child in tree["all"] for problem in evidence_missing(child, kinds)]
    options = "或".join(_describe_nested(child) for child in tree["any"])
    # Every option's document kinds: a frontend shows an upload slot for each.
    return [
        {
            "code": "evidence_missing_one_of",
            "field": "documents",
            "message": f"需提供以下材料之一：{options}。",
            "kinds": evidence_leaves(tree),
        }
    ]


def evidence_leaves(tree: object) -> list[str]:
    """The document kinds a rule names, in order, once each."""
    if isinstance(tree, str):
        return [tree]
    assert isinstance(tree, dict)
    leaves: list[str] = []
    for child in next(iter(tree.values())):
        leaves += [kind for kind in evidence_leaves(child) if kind not in leaves]
    return leaves
