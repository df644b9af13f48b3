"""Every card verb, in one table. Buttons carry these; bot/ registers handlers on the same names."""

from typing import Final

HELP: Final = "help"
PROFILE: Final = "profile"
# A "did you mean" suggestion: runs the command it names, as if typed (only a form `suggest`
# could offer, domain/commands.py `suggested`).
RUN_COMMAND: Final = "run_command"

# Reviews (chair)
REVIEW_NEW: Final = "review_new"
REVIEW_CREATE: Final = "review_create"
REVIEW_ASSIGN: Final = "review_assign"
REVIEWS: Final = "reviews"

# A review's lifecycle controls (chair, deputy chair, admin; an agency lead confirms a nil return)
REVIEW_MANAGE: Final = "review_manage"
REVIEW_AGENCY: Final = "review_agency"
REVIEW_EDIT: Final = "review_edit"
REVIEW_DEPUTY: Final = "review_deputy"
REVIEW_CANCEL: Final = "review_cancel"
REVIEW_REOPEN: Final = "review_reopen"
REVIEW_ADD_AGENCY: Final = "review_add_agency"
REVIEW_REMOVE_AGENCY: Final = "review_remove_agency"
RETURN_REASSIGN: Final = "return_reassign"
RETURN_NIL: Final = "return_nil"
RETURN_EXTEND: Final = "return_extend"
RETURN_PROCEED: Final = "return_proceed"
NIL_CONFIRM: Final = "nil_confirm"
NIL_DECLINE: Final = "nil_decline"

# The pre-analysis return (practitioner)
RETURN_OPEN: Final = "return_open"
RETURN_BACK: Final = "return_back"
RETURN_SAVE: Final = "return_save"
RETURN_NEXT: Final = "return_next"
EPISODE_ADD: Final = "episode_add"
EPISODE_REMOVE: Final = "episode_remove"
CHRONOLOGY: Final = "chronology"
ENTRY_FORM: Final = "entry_form"
ENTRY_SAVE: Final = "entry_save"
ENTRY_REMOVE: Final = "entry_remove"
RETURN_OVERVIEW: Final = "return_overview"
RETURN_SUBMIT: Final = "return_submit"

# Sign-off (agency lead)
SIGNOFF_APPROVE: Final = "signoff_approve"
SIGNOFF_RETURN: Final = "signoff_return"
SIGNOFF_OPEN: Final = "signoff_open"
SIGN_OFFS: Final = "sign_offs"
CONTINUE: Final = "continue_return"

# Partnership set-up (admin)
AGENCIES: Final = "agencies"
AGENCY_FORM: Final = "agency_form"
AGENCY_SAVE: Final = "agency_save"
MEMBERS: Final = "members"
MEMBER_FORM: Final = "member_form"
MEMBER_SAVE: Final = "member_save"
MEMBER_END_ACCESS: Final = "member_end_access"
MEMBER_RESTORE: Final = "member_restore"

# The meeting: pack, outcome, action items, 7-minute guide (chair)
PACK: Final = "pack"
PACK_EXPORT: Final = "pack_export"
OUTCOME: Final = "outcome"
OUTCOME_SAVE: Final = "outcome_save"
OUTCOME_PUBLISH: Final = "outcome_publish"
ACTION_FORM: Final = "action_form"
ACTION_SAVE: Final = "action_save"
ACTION_REMOVE: Final = "action_remove"
GUIDE: Final = "guide"
GUIDE_SAVE: Final = "guide_save"
GUIDE_PREVIEW: Final = "guide_preview"
GUIDE_SUBMIT: Final = "guide_submit"  # the chair sends the draft for approval
GUIDE_APPROVE: Final = "guide_approve"  # an LIC member or the other chair: publishes a version
GUIDE_SEND_BACK: Final = "guide_send_back"  # back to draft: the approver, or the chair withdrawing
GUIDE_REVISE: Final = "guide_revise"  # a published guide's next version, as a draft
GUIDE_EXPORT: Final = "guide_export"
GUIDE_USAGE_FORM: Final = "guide_usage_form"
GUIDE_USAGE_SAVE: Final = "guide_usage_save"

# The quarterly partnership board report (managers, leads, chairs, LIC group, admins)
REPORT: Final = "report"
REPORT_EXPORT: Final = "report_export"

# Action items after the meeting (owner, chair, LIC group, admin)
ACTION_VIEW: Final = "action_view"
ACTION_PROGRESS: Final = "action_progress"
ACTION_COMPLETE: Final = "action_complete"
ACTION_NEW_DATE: Final = "action_new_date"
ACTION_BLOCKED: Final = "action_blocked"
DATE_APPROVE: Final = "date_approve"
DATE_DECLINE: Final = "date_decline"
IMPACT_RECORD: Final = "impact_record"
AWAITING_IMPACT: Final = "awaiting_impact"  # the LIC group's queue, as the command shows it
MY_ACTIONS: Final = "my_actions"  # the reader's own items, as the command shows them
POLICY: Final = "policy"  # the chaser policy card, as it is now
# The chair's decisions on an item the LIC group escalated (issue 17)
ACTION_SET_DATE: Final = "action_set_date"
ACTION_NOT_ACHIEVABLE: Final = "action_not_achievable"
ACTION_REOPEN: Final = "action_reopen"
# The chair's controls on any item not yet done (issue 17)
ACTION_REASSIGN: Final = "action_reassign"
ACTION_AMEND: Final = "action_amend"
ACTION_CANCEL: Final = "action_cancel"
ACTION_SPLIT: Final = "action_split"  # one item into two new ones
# Readers' own moves on escalation copies: the agency lead's and the LIC group's (issue 17)
ACTION_NUDGE: Final = "action_nudge"
ACTION_LEAD_REASSIGN: Final = "action_lead_reassign"  # within the lead's agency
ACTION_PROPOSE_DATE: Final = "action_propose_date"
ACTION_ASK_REASSIGN: Final = "action_ask_reassign"
ACTION_COMMENT: Final = "action_comment"
ACTION_REQUEST_UPDATE: Final = "action_request_update"
POLICY_SAVE: Final = "policy_save"

# Manager summaries, the dashboard and exports (issue 6)
SUMMARY: Final = "summary"
DASHBOARD: Final = "dashboard"
OVERDUE: Final = "overdue"
EXPORT: Final = "export"

# Information governance (admin): audit trail, retention, legal hold (issue 7)
AUDIT_TRAIL: Final = "audit_trail"
AUDIT_EXPORT: Final = "audit_export"
RETENTION: Final = "retention"
RETENTION_SAVE: Final = "retention_save"
LEGAL_HOLD: Final = "legal_hold"
LEGAL_HOLD_SET: Final = "legal_hold_set"

# Not on a card: Teams' file-consent invoke, routed like a card action.
FILE_CONSENT: Final = "file_consent"

# Buttons that change something. Each carries a token (cards.common.stamped: the card's id,
# and the revision of what it shows), and each click is claimed once, so a double click or a
# replay has one effect (domain/idempotency.py). A test checks every built card.
STATE_CHANGING: Final = frozenset(
    {
        REVIEW_CREATE,
        REVIEW_ASSIGN,
        RETURN_BACK,
        RETURN_SAVE,
        RETURN_NEXT,
        EPISODE_ADD,
        EPISODE_REMOVE,
        ENTRY_SAVE,
        ENTRY_REMOVE,
        RETURN_SUBMIT,
        SIGNOFF_APPROVE,
        SIGNOFF_RETURN,
        AGENCY_SAVE,
        MEMBER_SAVE,
        MEMBER_END_ACCESS,
        MEMBER_RESTORE,
        OUTCOME_SAVE,
        OUTCOME_PUBLISH,
        ACTION_SAVE,
        ACTION_REMOVE,
        GUIDE_SAVE,
        GUIDE_PREVIEW,  # saves what was typed, then shows it
        GUIDE_SUBMIT,
        GUIDE_APPROVE,
        GUIDE_SEND_BACK,
        GUIDE_REVISE,
        GUIDE_USAGE_SAVE,
        ACTION_PROGRESS,
        ACTION_COMPLETE,
        ACTION_NEW_DATE,
        ACTION_BLOCKED,
        DATE_APPROVE,
        DATE_DECLINE,
        IMPACT_RECORD,
        ACTION_SET_DATE,
        ACTION_NOT_ACHIEVABLE,
        ACTION_REOPEN,
        ACTION_REASSIGN,
        ACTION_AMEND,
        ACTION_CANCEL,
        ACTION_SPLIT,
        ACTION_NUDGE,
        ACTION_LEAD_REASSIGN,
        ACTION_PROPOSE_DATE,
        ACTION_ASK_REASSIGN,
        ACTION_COMMENT,
        ACTION_REQUEST_UPDATE,
        POLICY_SAVE,
        RETENTION_SAVE,
        LEGAL_HOLD_SET,
        REVIEW_EDIT,
        REVIEW_DEPUTY,
        REVIEW_CANCEL,
        REVIEW_REOPEN,
        REVIEW_ADD_AGENCY,
        REVIEW_REMOVE_AGENCY,
        RETURN_REASSIGN,
        RETURN_NIL,
        RETURN_EXTEND,
        RETURN_PROCEED,
        NIL_CONFIRM,
        NIL_DECLINE,
    }
)

# Every constant above; a test checks each card's verbs are in here and each has a handler.
ALL: Final = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)
