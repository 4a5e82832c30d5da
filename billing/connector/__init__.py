"""Billing sources behind one interface (``base.BillingConnector``): the WHMCS API
(``whmcs``) and import files (``importfile``). Pure I/O with the billing system: no ORM."""
