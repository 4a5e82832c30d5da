"""The knowledge base: security guidance written for customers, chosen by the ticket's
classification type. Agents attach an article to a reply; the self-service page shows the
same articles to the customer.

The articles are data (``GuidanceArticle``; the first edition comes from a data
migration) so the team improves the text without a deploy.
"""

from __future__ import annotations

from django.db.models import QuerySet

from complaints.models import GuidanceArticle


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
