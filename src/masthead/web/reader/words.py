"""What readers are shown in words: labels, badge states, report reasons and moderation outcomes."""
from __future__ import annotations

from starlette.requests import Request

from masthead.web.i18n import N_
from masthead.web.render import gettext

# Labels the shipped policies and moderators apply, with what each tells the reader.
LABELS = {
    N_("unverified source"): N_(
        "Political or social news from a channel that holds no news credential: nobody has verified who stands "
        "behind it."),
    N_("possible rumour"): N_("Automated checks found that this may be a rumour. Read it with care and check other "
                              "sources."),
    N_("refuted rumour"): N_("Moderators found that this spreads a rumour; the correction is shown above the text."),
    N_("limited reach"): N_("Moderators limited how widely this is shown: it is close to the line of the rules."),
}
OTHER_LABEL = N_("A label added under the rules of this service.")

POST_STATES = {
    "received": N_("waiting for its checks"),
    "published": N_("published"),
    "held": N_("held for review"),
    "rejected": N_("rejected"),
    "removed": N_("removed"),
}

BADGE_STATES = {
    "valid": N_("valid"),
    "expired": N_("expired"),
    "revoked": N_("revoked"),
    "lapsed_name_change": N_("lapsed"),
}

REPORT_REASONS = {
    "illegal": (N_("Illegal content"), N_("It breaks the law, for example fraud or selling illegal goods.")),
    "terrorism": (N_("Terrorism or violent extremism"), N_("It promotes, supports or recruits for terrorism.")),
    "sexual": (N_("Sexual content"), N_("Pornography, or sexual content involving minors.")),
    "violence": (N_("Violence or threats"), N_("It threatens, glorifies or incites violence.")),
    "hate": (N_("Hate"), N_("It attacks people for who they are: origin, religion, gender, disability.")),
    "rumour": (N_("Rumour or false information"), N_("It presents something false as fact.")),
    "spam": (N_("Spam or scam"), N_("Advertising, repeated posts, or an attempt to cheat readers.")),
    "impersonation": (N_("Impersonation"), N_("The channel pretends to be someone it is not.")),
    "other": (N_("Something else"), N_("Say what is wrong in the comment.")),
}

# What happened to a post, as a reader or its author is told; keys are pipeline outcomes and moderator actions.
OUTCOMES = {
    "publish": N_("published"),
    "approve": N_("approved and published"),
    "label": N_("labelled"),
    "limit": N_("limited: fewer people are shown it"),
    "hold": N_("held for review by a moderator"),
    "reject": N_("rejected: it is not published"),
    "remove": N_("removed"),
    "restore": N_("restored"),
    "refute": N_("corrected: moderators published a correction"),
    "dismiss": N_("left as it is: moderators found nothing against the rules"),
    "uphold": N_("kept restricted: the decision stands"),
    "overturn": N_("restored: the earlier decision was reversed"),
    "escalate": N_("passed on to a senior moderator"),
}

APPLICATION_STEPS = {
    "submitted": N_("was received"),
    "under_review": N_("is being reviewed"),
    "review": N_("is being reviewed"),
    "granted": N_("was granted"),
    "grant": N_("was granted"),
    "denied": N_("was denied"),
    "deny": N_("was denied"),
    "withdrawn": N_("was withdrawn"),
}


def say(request: Request, table: dict[str, str], key: str) -> str:
    """The reader's words for `key`, or the key itself when the table does not know it."""
    return gettext(request, table[key]) if key in table else key.replace("_", " ")


def label_words(request: Request, label: str) -> tuple[str, str]:
    """A label's name and what it means, in the reader's language."""
    return gettext(request, label), gettext(request, LABELS.get(label, OTHER_LABEL))
