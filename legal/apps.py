from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "legal"
    verbose_name = "Legal desk"

    def ready(self) -> None:
        # The legal mailboxes are ours: the abuse poll leaves them alone even if one is
        # switched back on in the admin.
        from complaints.intake.mailboxes import mailbox_claims_register
        from legal.intake import legal_mailbox_ids

        mailbox_claims_register("legal", legal_mailbox_ids)
