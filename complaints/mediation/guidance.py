"""The knowledge base: security guidance written for customers, chosen by the ticket's
classification type. Agents attach an article to a reply; the self-service page shows the
same articles to the customer.

The articles are data (``GuidanceArticle``; the first edition comes from a data
migration) so the team improves the text without a deploy.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import roles
from accounts.roles import AnyUser
from complaints.models import GuidanceArticle

# Who reads the knowledge base pages: the desk's working roles. The teams of restricted and
# billing cases see the articles of their ticket's type on the ticket page only.
GUIDANCE_READERS = frozenset({roles.AGENT, roles.LEAD, roles.ADMIN})


def can_read_guidance(user: AnyUser) -> bool:
    return roles.has_any_role(user, GUIDANCE_READERS)


def guidance_for_type(type_: str) -> QuerySet[GuidanceArticle]:
    """Articles that help with classification ``type_`` (none for a blank type)."""
    if not type_:
        return GuidanceArticle.objects.none()
    return GuidanceArticle.objects.filter(types__contains=[type_]).order_by("title")


def guidance_article(slug: str) -> GuidanceArticle | None:
    return GuidanceArticle.objects.filter(slug=slug).first()


def guidance_as_text(article: GuidanceArticle) -> str:
    """The article as it is pasted into a mail: title, underline, body."""
    return f"{article.title}\n{'-' * min(len(article.title), 72)}\n\n{article.body.strip()}\n"
