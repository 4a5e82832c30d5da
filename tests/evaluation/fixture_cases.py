"""Expectations for the evaluation's own messages in ``tests/fixtures/evaluation/``,
written by us for this evaluation (no third-party text), modelled on the layouts real
senders use. Each file is named after the failure class it mainly exercises: ``prose_``
(1), ``boiler_`` (2), ``misfiled_`` (3), ``noncomplaint_`` (4), ``kind_`` (5); ``classes``
lists every class a message exercises.

Abuse indicators use reserved names and documentation address space (RFC 2606 / 6761
names, RFC 5737, RFC 3849, RFC 2544); real brand and service sites appear only as the
boilerplate that must not be reported.
"""

from __future__ import annotations

from .expectations import E, Expect, N

FIXTURE_CASES: dict[str, Expect] = {
    # --- class 1: indicators written as prose ---------------------------------------
    "prose_bare_domain_label.eml": E(
        hosts="sunglass-outlet.example.com", types="spam", never="mailbox.example.eu", classes=(1,)
    ),
    # Illegal online pharmacy: a kind the RSIT vocabulary has no type for (left untyped).
    "prose_site_hosts_sentence.eml": E(
        hosts="rx-pharmacy-direct.example.net meds4less.example.org",
        never="watchdog.example.nl",
        classes=(1,),
    ),
    "prose_defanged_takedown.eml": E(
        ips="203.0.113.77",
        urls="https://northwind-secure-login.example.net/auth/signin.php",
        types="phishing",
        never="brandguard.example.de",
        classes=(1,),
    ),
    # Paths without a scheme: the host is what must be found; the pages may be reported.
    "prose_defanged_dot_word.eml": E(
        ips="192.0.2.145",
        hosts="parcel-redelivery.example.com",
        types="phishing",
        also_ok=(
            "http://parcel-redelivery.example.com/track/kit/ "
            "http://parcel-redelivery.example.com/track/kit/login.php"
        ),
        never="phishwatch.example.eu",
        classes=(1,),
    ),
    "prose_defanged_colon_bracket.eml": E(
        urls=(
            "https://cdn-update-check.example.org/dl/invoice_2024.exe "
            "http://198.51.100.19/dl/stage2.bin"
        ),
        types="malware-distribution",
        never="cyberdefense.example.nl",
        classes=(1,),
    ),
    "prose_defanged_ip_c2.eml": E(
        ips="203.0.113.152", types="c2-server", never="cert.example.eu", classes=(1, 5)
    ),
    "prose_url_wrapped_lines.eml": E(
        urls="https://secure-verify-account.example.com/online/banking/session/restore/index.php?client=PT&step=2",
        types="phishing",
        never="correo.example.nl",
        classes=(1,),
    ),
    "prose_qp_soft_break.eml": E(
        urls="https://webmail-quota-upgrade.example.org/owa/auth/logon.aspx?replaceCurrent=1&url=inbox",
        types="phishing",
        never="isp-nord.example.nl",
        classes=(1,),
    ),
    "prose_qp_html_href_broken.eml": E(
        urls="https://mytelco-rewards-claim.example.net/claim/step1.html?ref=sms",
        types="phishing",
        never="fraudwatch.example.de",
        classes=(1,),
    ),
    "prose_html_href_only.eml": E(
        urls="http://streamflix-billing-update.example.com/account/update-payment",
        types="phishing",
        never="inbox.example.de",
        classes=(1,),
    ),
    "prose_fail2ban_ip_port.eml": E(
        ips="203.0.113.91",
        types="brute-force",
        never="198.51.100.207 hostingkunde.example.de",
        classes=(1, 2),
        note="lip= is the reporter's own server",
    ),
    "prose_ip_port_prose.eml": E(
        ips="198.51.100.166 198.51.100.171",
        types="brute-force",
        never="lawoffice-berg.example.de",
        classes=(1,),
    ),
    "prose_certbund_table.eml": E(
        ips="203.0.113.23 203.0.113.58 198.51.100.240",
        types="ddos-amplifier vulnerable-system",
        also_ok="cache1.shop-kunde.example",
        never="cert-land.example.de",
        classes=(1,),
    ),
    "prose_inline_csv_block.eml": E(
        ips="192.0.2.201 192.0.2.202 2001:db8:64:5::a1",
        types="brute-force",
        never="honeynet-alliance.example.eu",
        classes=(1,),
    ),
    "prose_pipe_table_nospaces.eml": E(
        ips="198.51.100.61 198.51.100.62 198.51.100.97",
        types="ddos",
        never="gameserver-hosting.example.de",
        classes=(1,),
    ),
    "prose_ipv6_scanner.eml": E(
        ips="2001:db8:a0b:12f0::1 2001:db8:a0b:12f0::2",
        types="scanner",
        never="2001:db8:ffff:1::10 2001:db8:ffff:1::11 university.example.edu",
        classes=(1, 2),
        note="the dst= addresses are the reporter's own hosts",
    ),
    "prose_angle_bracket_url.eml": E(
        urls="https://stadtwerke-kundenportal-login.example.com/kunden/anmelden?id=88213",
        types="phishing",
        never="stadtwerke.example.de",
        classes=(1,),
    ),
    # A fake shop (fraud): phishing or masquerade in the desk's vocabulary.
    "prose_www_no_scheme.eml": E(
        hosts="www.luxury-time-outlet.example.net",
        types="phishing masquerade",
        also_ok="http://www.luxury-time-outlet.example.net/shop/item-4471",
        never="replica-watch-victims.example.eu",
        classes=(1, 5),
    ),
    # CEO fraud from look-alike domains.
    "prose_domain_sentence_end.eml": E(
        hosts="kleinbetrieb-gmbh.example.org finance-portal.example.net",
        types="masquerade phishing social-engineering",
        never="kleinbetrieb.example.de",
        classes=(1,),
    ),
    "prose_bare_domain_uncommon_tld.eml": E(
        ips="192.0.2.118",
        hosts="airdrop-claim-portal.test",
        types="phishing masquerade",
        never="walletwatch.example.de",
        classes=(1,),
    ),
    "prose_idn_domain.eml": E(
        urls="https://kundenlogin.sparbank-überweisung.example/login",
        types="phishing",
        never="postbank-kunde.example.de",
        classes=(1,),
    ),
    # An investment scam (fraud); the screenshot only shows what the text describes.
    "prose_screenshot_described.eml": E(
        hosts="coinrisemax-invest.example.com support.coinrisemax-invest.example.com",
        types="phishing masquerade",
        also_ok="http://coinrisemax-invest.example.com/withdraw",
        never="freemail.example.nl",
        classes=(1, 5),
    ),
    "prose_ip_in_subject_only.eml": E(
        ips="198.51.100.133", types="spam", never="smallforum.example.eu", classes=(1,)
    ),
    "prose_apache_log_lines.eml": E(
        ips="198.51.100.58",
        types="brute-force",
        never="recipes-blog.example.de",
        classes=(1,),
    ),
    "prose_netflow_arrows.eml": E(
        ips="203.0.113.131 203.0.113.139",
        types="ddos-amplifier ddos",
        never="192.0.2.50 transit-carrier.example.nl",
        classes=(1, 2),
        note="192.0.2.50 is the victim",
    ),
    "prose_html_form_action.eml": E(
        urls="http://198.51.100.202/~user7/collect/post.php",
        types="phishing",
        never="retailbank.example.de",
        classes=(1, 2),
    ),
    "prose_url_split_angle_brackets.eml": E(
        urls="https://espace-client-isp-sud.example.net/connexion/verification/identite.php?session=1f9e2a",
        types="phishing",
        never="isp-sud.example.fr",
        classes=(1,),
    ),
    # --- class 2: boilerplate reported as abuse -------------------------------------
    "boiler_social_footer_takedown.eml": E(
        ips="203.0.113.40",
        urls="http://contoso-miles-bonus.example.org/members/login.html",
        types="phishing",
        never="shieldbrand.example.de linkedin.com twitter.com facebook.com",
        classes=(2,),
    ),
    "boiler_cert_footer_legal.eml": E(
        urls="https://bakery-lindenhof.example.com/wp-content/plugins/slider/js/jquery.min.js",
        types="system-compromise application-compromise malware-distribution",
        never="gov-cert.example.eu",
        classes=(2,),
    ),
    "boiler_rdap_whois_links.eml": E(
        ips="198.51.100.36",
        types="spam",
        never="rdap.db.ripe.net whois.example-lookup.net abuseipdb.com bgp.he.net",
        classes=(2,),
    ),
    "boiler_urldefense_wrapped.eml": E(
        urls="https://bigcorp-sso-verify.example.net/adfs/ls/?client-request-id=8f2a",
        types="phishing",
        never="urldefense.com bigcorp.example.de",
        classes=(2,),
    ),
    "boiler_safelinks_wrapped.eml": E(
        urls="https://files-share-docs.example.com/download/council_minutes.zip",
        types="malware-distribution",
        never="safelinks.protection.outlook.com municipality.example.gov",
        classes=(2,),
    ),
    "boiler_proofpoint_v2_html.eml": E(
        urls="http://invoices-portal.example.org/docs/INV-2024-0617.zip",
        types="malware-distribution",
        never="urldefense.proofpoint.com healthnet.example.eu",
        classes=(2,),
    ),
    # Trademark: masquerade in the desk's vocabulary (copyright accepted as well).
    "boiler_trademark_brand_sites.eml": E(
        hosts="paypal-billing-center.example.net",
        urls="https://paypal-billing-center.example.net/resolution/",
        types="masquerade copyright",
        never="paypal.com markwatch-legal.example.de",
        classes=(2, 5),
    ),
    "boiler_brand_target_named.eml": E(
        urls="http://203.0.113.208/o365/common/oauth2/authorize.php",
        types="phishing",
        never="login.microsoftonline.com outlook.office.com mailsecure.example.nl",
        classes=(2,),
    ),
    # The spam entered the hoster's relays from 203.0.113.115; every other hop is the
    # reporter's or its customer's.
    "boiler_hoster_forward_relays.eml": E(
        ips="203.0.113.115",
        types="spam",
        also_ok=(
            "deals-mailer.example.com vps-mail.deals-mailer.example.com "
            "http://garden-clearance.example.com/sale"
        ),
        never="192.0.2.170 192.0.2.162 192.0.2.163 192.0.2.161 bulkhost.example.nl customer-office.example",
        classes=(2,),
    ),
    "boiler_pasted_headers_inline.eml": E(
        ips="203.0.113.174",
        types="spam",
        also_ok="winner-notify.example.org",
        never="198.51.100.53 198.51.100.54 homeuser.example.nl",
        classes=(2,),
    ),
    "boiler_signature_dashdash.eml": E(
        urls=(
            "http://stockpix-free.example.com/gallery/alps-sunrise-hd "
            "http://stockpix-free.example.com/gallery/lake-reflections-4k"
        ),
        types="copyright",
        never="olivier-photo.example.eu instagram.com flickr.com",
        classes=(2,),
    ),
    # Card testing: fraud with no RSIT type of its own (left untyped).
    "boiler_signoff_without_delimiter.eml": E(
        ips="198.51.100.249", never="tinyshop.example.de", classes=(2,)
    ),
    "boiler_newsletter_footer.eml": E(
        urls=(
            "http://secure-docusign-review.example.com/envelope/open.php "
            "http://secure-docusign-review.example.com/envelope/verify.php"
        ),
        types="phishing",
        never="antiphish-network.example.eu",
        classes=(2,),
    ),
    "boiler_disclaimer_links.eml": E(
        urls=(
            "https://dl.mp3-vault.example.net/albums/nimbus/summer-tour-live.zip "
            "https://dl.mp3-vault.example.net/albums/nimbus/acoustic-sessions.zip"
        ),
        types="copyright",
        never="ip-counsel.example.de",
        classes=(2,),
    ),
    "boiler_cert_advisory_references.eml": E(
        ips="198.51.100.41 198.51.100.44",
        types="vulnerable-system",
        also_ok="mail.lawfirm-kunde.example owa.praxis-kunde.example",
        never="msrc.microsoft.com nvd.nist.gov cisa.gov cert-region.example.eu",
        classes=(2,),
    ),
    "boiler_reporter_portal_links.eml": E(
        ips="203.0.113.147",
        types="spam",
        also_ok="refi-offers.example.com",
        never="spamtrap-network.example.nl",
        classes=(2,),
    ),
    "boiler_dmca_table_links.eml": E(
        urls=(
            "https://stream-now.example.org/watch/the-last-harbor-2024 "
            "https://stream-now.example.org/embed/8812af "
            "https://cdn3.stream-now.example.org/v/8812af/master.m3u8"
        ),
        types="copyright",
        never="lumenpictures.example copyright.gov lumendatabase.org filmrights-agency.example.de",
        classes=(1, 2),
    ),
    "boiler_lookup_in_evidence.eml": E(
        urls="http://198.51.100.230:8080/update/client.exe",
        types="malware-distribution",
        never="virustotal.com urlscan.io tria.ge transparencyreport.google.com",
        classes=(2,),
    ),
    "boiler_archive_copy_link.eml": E(
        urls="https://insurer-group-claims.example.net/portal/claim-refund",
        types="phishing",
        never="web.archive.org archive.ph claims.insurer-group.example.de",
        classes=(2,),
    ),
    "boiler_html_footer_icons.eml": E(
        ips="192.0.2.227",
        urls="https://coinbarn-login-verify.example.com/signin",
        types="phishing",
        never="phishfort-like.example.de coinbarn.example twitter.com linkedin.com youtube.com",
        classes=(2,),
    ),
    "boiler_quoted_desk_ack.eml": E(
        urls="https://poste-consegna-pacchi.example.org/it/pagamento.php",
        types="phishing",
        never="desk.example/ studio-rossi.example.it",
        classes=(2,),
    ),
    "boiler_honeypot_own_ip.eml": E(
        ips="203.0.113.66",
        types="brute-force infected-system",
        never="198.51.100.190 198.51.100.191 research-lab.example.edu",
        classes=(2,),
        note="198.51.100.190/191 are the reporter's own sensors",
    ),
    "boiler_ddos_victim_named.eml": E(
        ips="203.0.113.186 203.0.113.187",
        types="ddos",
        never="192.0.2.20 192.0.2.21 ecommerce-platform.example.de",
        classes=(2,),
    ),
    # --- class 3: complaints filed as something else -----------------------------------
    # A CSIRT's ticket system marks its notification "auto-replied".
    # A reply of one line is still a complaint when it names the abuse.
    "misfiled_short_reply_still_online.eml": E(
        urls="https://kreditbank-verify.example.com/de/login.php",
        types="phishing",
        never="kreditbank.example.de",
        classes=(1, 3, 5),
    ),
    "misfiled_autosubmitted_replied_cert.eml": E(
        ips="198.51.100.123",
        urls="https://metro-transit-refund.example.com/card/refund.php",
        types="phishing",
        never="csirt-metro.example.eu",
        classes=(3,),
    ),
    "misfiled_xautoreply_helpdesk.eml": E(
        ips="198.51.100.214",
        types="spam system-compromise",
        never="hosting-reseller.example.nl",
        classes=(3,),
    ),
    "misfiled_autoresponse_subject.eml": E(
        ips="203.0.113.199",
        urls="https://crypto-giveaway-live.example.org/claim",
        types="phishing masquerade",
        never="cdn-provider.example.de",
        classes=(3,),
    ),
    # A victim of backscatter forwards the bounce: the spam came from 203.0.113.52.
    "misfiled_forwarded_backscatter.eml": E(
        ips="203.0.113.52",
        types="spam",
        also_ok="bulk-sender.example.org",
        never="family-bakery.example.de recipient-isp.example.nl",
        classes=(3,),
    ),
    # An ARF complaint about a phishing lure dressed as a DMARC aggregate report.
    "misfiled_arf_phish_lure_dmarc_xml.eml": E(
        ips="198.51.100.160",
        types="spam phishing",
        also_ok=(
            "postmaster-service.example.net smtp.postmaster-service.example.net "
            "http://postmaster-service.example.net/review/login"
        ),
        never="mailbox-provider.example.de",
        classes=(3,),
    ),
    # A brand's complaint with a DMARC failure report attached as evidence.
    "misfiled_dmarc_forensic_as_evidence.eml": E(
        ips="203.0.113.95",
        types="phishing",
        also_ok="refund-mailer.example.org",
        never="airline-brand.example.de receiver.example.nl",
        classes=(3,),
    ),
    # An old AOL-style layout: multipart/mixed, the feedback fields in a text part.
    "misfiled_arf_old_mixed_layout.eml": E(
        ips="203.0.113.211",
        types="spam",
        also_ok=(
            "newsletter-blast.example.com mta3.newsletter-blast.example.com "
            "http://newsletter-blast.example.com/c/offer"
        ),
        never="legacy-isp.example.nl",
        classes=(3,),
    ),
    "misfiled_arf_text_plain_feedback_part.eml": E(
        ips="198.51.100.14",
        types="spam",
        also_ok="cheap-loans.example.com mailer.cheap-loans.example.com",
        never="192.0.2.9 webmail-giant.example.de",
        classes=(3,),
    ),
    "misfiled_csv_attachment_only.eml": E(
        ips="192.0.2.130 192.0.2.131 198.51.100.206",
        types="infected-system",
        never="198.18.10.10 198.18.10.11 cert-nation.example.eu",
        classes=(3,),
        note="dst_ip is the sinkhole",
    ),
    "misfiled_log_octet_stream.eml": E(
        ips="203.0.113.145",
        types="brute-force",
        never="mailhost-cooperative.example.eu",
        classes=(3,),
    ),
    "misfiled_forwarded_phish_html_only.eml": E(
        urls="https://account-restore-center.example.org/unlock?id=77120",
        types="phishing",
        also_ok="192.0.2.173 relay.bulk-notices.example.com accounts-notice.example.com",
        never="seniormail.example.nl",
        classes=(1, 3),
    ),
    "misfiled_only_rare_tld_domain.eml": E(
        hosts="quiltersguild-official-store.shop.example",
        types="phishing masquerade",
        never="quiltersguild.example.eu",
        classes=(1, 3),
    ),
    "misfiled_postmaster_complaint.eml": E(
        ips="203.0.113.44", types="spam", never="regional-isp.example.nl", classes=(3,)
    ),
    "misfiled_json_evidence.eml": E(
        ips="203.0.113.12 203.0.113.13",
        types="infected-system",
        never="198.18.0.77 botnet-tracker.example.de",
        classes=(3,),
        note="c2 is the botnet's server, not a host of ours",
    ),
    # --- class 4: not complaints; no event may come out of them ------------------------
    "noncomplaint_ticket_ack.eml": N(never="203.0.113.70 login-check.example.de other-hoster"),
    "noncomplaint_ack_plain_no_headers.eml": N(never="198.51.100.140"),
    "noncomplaint_not_our_customer.eml": N(
        never="192.0.2.150 rdap.example-rir.net ssh.desk-customer.example.de",
        note="the quoted original is our own notice",
    ),
    "noncomplaint_cdn_not_hosting.eml": N(never="phishing-parcel.example.nl edge-cdn"),
    # Answers of a line or two that name no abuse (a CDN's "resolves to", a registrar's
    # "hosted at"): correspondence however many resources they name.
    "noncomplaint_cdn_origin_one_line.eml": N(
        never="www.shop-behind-proxy.example.net 203.0.113.58 fastedge"
    ),
    "noncomplaint_registrar_hosted_by_answer.eml": N(
        never="lucky-coupons.example.org 198.51.100.77 namehaven"
    ),
    "noncomplaint_customer_cleaned.eml": N(never="gartenverein.example.de 203.0.113.85"),
    "noncomplaint_security_newsletter.eml": N(
        never="198.51.100.250 203.0.113.251 payroll-portal-login.example.eu threat-weekly"
    ),
    "noncomplaint_hosting_newsletter_html.eml": N(never="datacenter-expo facebook.com"),
    "noncomplaint_rejected_insufficient.eml": N(never="198.51.100.33 big-cloud.example.de"),
    "noncomplaint_challenge_response.eml": N(never="boxguard.example.nl 203.0.113.88"),
    "noncomplaint_vacation_headers.eml": N(never="192.0.2.77 partner-isp.example.de"),
    "noncomplaint_vacation_no_headers.eml": N(never="webdesign-studio.example.de"),
    "noncomplaint_bounce_dsn.eml": N(never="203.0.113.191 gone-domain.example.eu"),
    "noncomplaint_qmail_bounce.eml": N(never="198.51.100.209 oldserver.example.nl"),
    "noncomplaint_delisting_confirmation.eml": N(
        never="203.0.113.160 blocklist-service.example.eu"
    ),
    "noncomplaint_spam_to_abuse.eml": N(never="seo-rank-boost.example.nl desk.example"),
    "noncomplaint_customer_question.eml": N(never="203.0.113.46 dental-practice.example.de"),
    "noncomplaint_cert_ack.eml": N(never="203.0.113.152"),
    "noncomplaint_reporter_thanks_close.eml": N(
        never="203.0.113.77 northwind-secure-login.example.nl"
    ),
    "noncomplaint_rir_notification.eml": N(never="198.51.100.0 rir-registry.example.nl"),
    "noncomplaint_zendesk_style_ack.eml": N(
        never="203.0.113.31 click.shop-9912.example.de saas-mailer.example.de"
    ),
    "noncomplaint_mailing_list_digest.eml": N(
        never="198.51.100.12 198.51.100.13 carrier.example.nl operators-forum.example.eu"
    ),
    "noncomplaint_autoreply_ack_header.eml": N(never="198.51.100.105"),
    "noncomplaint_legal_followup_question.eml": N(never="mp3-vault.example.nl"),
    # --- class 5: what kind of abuse it is -------------------------------------------
    "kind_trademark_counterfeit.eml": E(
        hosts="stridemax-outlet-sale.example.com",
        types="masquerade copyright",
        never="sportswear-brand.example.de",
        classes=(5,),
    ),
    "kind_brute_force_imap_wording.eml": E(ips="203.0.113.225", types="brute-force", classes=(5,)),
    "kind_scanner_recon_wording.eml": E(ips="192.0.2.39", types="scanner", classes=(5,)),
    "kind_botnet_infected_iot.eml": E(
        ips="198.51.100.84 198.51.100.85",
        types="infected-system",
        never="198.18.1.20",
        classes=(2, 5),
    ),
    "kind_c2_cobalt_strike.eml": E(ips="203.0.113.206", types="c2-server", classes=(5,)),
    "kind_malware_dropper_wording.eml": E(
        urls="http://updates-cdn-node.example.net/assets/b.dat",
        types="malware-distribution",
        classes=(5,),
    ),
    "kind_compromised_wordpress_spamlinks.eml": E(
        urls="https://village-choir.example.org https://village-choir.example.org/?p=cheap-pills-online-88",
        types="system-compromise application-compromise",
        classes=(5,),
    ),
    "kind_webshell_defacement.eml": E(
        ips="192.0.2.209",
        urls="http://municipal-library.example.com http://municipal-library.example.com/images/up.php",
        types="system-compromise application-compromise",
        classes=(5,),
    ),
    "kind_phish_spam_words.eml": E(
        urls="https://mailbox-storage-upgrade.example.com/webmail/index.html",
        types="phishing",
        classes=(5,),
    ),
    "kind_copyright_no_keyword.eml": E(
        urls="https://198.51.100.236/share/Starfall.Chronicles-LEAK.iso",
        types="copyright",
        classes=(5,),
    ),
    "kind_harassment_threats.eml": E(
        urls="https://expose-them-all.example.net/posts/anna-b",
        types="harmful-speech violence",
        classes=(5,),
    ),
    "kind_investment_scam.eml": E(
        ips="203.0.113.177",
        hosts="quantum-yield-capital.example.com",
        types="phishing masquerade",
        never="financial-regulator.example.eu",
        classes=(1, 5),
    ),
    "kind_sqli_exploit.eml": E(ips="198.51.100.177", types="exploit ids-alert", classes=(5,)),
    "kind_ddos_participant_http.eml": E(
        ips="192.0.2.216 192.0.2.217 192.0.2.218", types="ddos", classes=(5,)
    ),
    "kind_open_proxy.eml": E(
        ips="198.51.100.158 198.51.100.159",
        types="potentially-unwanted-accessible vulnerable-system",
        classes=(5,),
    ),
    "kind_exposed_database_leak.eml": E(
        ips="203.0.113.236",
        types="potentially-unwanted-accessible data-leak vulnerable-system information-disclosure",
        classes=(5,),
    ),
    "kind_tech_support_scam.eml": E(
        urls="http://security-alert-helpdesk.example.com/warning/?code=0x80070424",
        types="masquerade phishing",
        classes=(5,),
    ),
    # The reporter names the /29 and the three addresses its traps saw.
    "kind_spam_snowshoe.eml": E(
        ips="203.0.113.121 203.0.113.122 203.0.113.126",
        types="spam",
        also_ok="203.0.113.120 203.0.113.127",
        classes=(5,),
    ),
    # --- more layouts ---------------------------------------------------------------
    "boiler_forwarded_arf_via_hoster.eml": E(
        ips="203.0.113.104",
        types="spam",
        also_ok="promo-sender.example.org sender.promo-sender.example.org",
        never=(
            "192.0.2.26 192.0.2.28 192.0.2.29 198.51.100.70 big-mailbox.example.de "
            "mail-hosting-co.example.nl"
        ),
        classes=(2, 3),
    ),
    "prose_html_cert_table.eml": E(
        ips="198.51.100.16 198.51.100.17 2001:db8:5c::17",
        types="infected-system",
        never="cert-eu-member.example.eu",
        classes=(1,),
    ),
    "prose_phishlabs_style_defanged.eml": E(
        ips="198.51.100.92",
        urls=(
            "https://gpe-redelivery-fee.example.com/pay/card.php "
            "https://gpe-redelivery-fee.example.com/pay/otp.php"
        ),
        types="phishing",
        never="phishdetect-services.example.de",
        classes=(1, 2),
    ),
    "boiler_whitelist_our_servers.eml": E(
        ips="203.0.113.57",
        types="brute-force",
        never="192.0.2.112 192.0.2.113 email-provider.example.de",
        classes=(2,),
    ),
    "prose_url_trailing_punctuation.eml": E(
        urls=(
            "https://copycat-bistro.example.net/menu/ "
            "https://copycat-bistro.example.net/about-us "
            "https://copycat-bistro.example.net/gallery"
        ),
        types="copyright",
        never="small-agency.example.de",
        classes=(1,),
    ),
    "prose_mixed_defang_list.eml": E(
        ips="198.51.100.48",
        hosts="account-alerts-center.example.com secure-paymentupdate.example.org",
        urls="http://docs-viewer-online.example.net/view.php https://203.0.113.219/owa/",
        types="phishing",
        never="intel-exchange.example.eu",
        classes=(1,),
    ),
    "prose_french_cert_hameconnage.eml": E(
        ips="203.0.113.164",
        urls="https://remboursement-impots-gouv.example.com/espace/",
        types="phishing",
        never="cert-fr-like.example.fr",
        classes=(1, 5),
    ),
    "kind_german_schadsoftware.eml": E(
        urls="http://rechnung-download-portal.example.net/dokumente/Rechnung_0905.js",
        types="malware-distribution",
        never="landes-cert.example.de",
        classes=(5,),
    ),
    "prose_tab_separated_table.eml": E(
        ips="192.0.2.105 192.0.2.106",
        types="vulnerable-system",
        never="scan-observatory.example.nl",
        classes=(1,),
    ),
    "boiler_victim_site_named.eml": E(
        ips="198.51.100.189",
        types="brute-force",
        never="garden-tools-shop.example.eu 192.0.2.70 victim-store-hosting.example.de",
        classes=(2,),
    ),
    "prose_rfc822_headers_attachment.eml": E(
        ips="198.51.100.201",
        types="spam",
        also_ok="newsletter-engine.example.net",
        never="203.0.113.135 homeisp.example.co.uk",
        classes=(2,),
    ),
    "noncomplaint_other_desk_ack_quoting.eml": N(
        never="secure-banking-check.example.eu 198.51.100.31 regional-hoster.example.nl",
        note="the quoted report is our own",
    ),
    "kind_open_resolver_individual.eml": E(
        ips="192.0.2.158",
        types="ddos-amplifier vulnerable-system",
        never="isc.org school-district.example.eu",
        classes=(5,),
    ),
    "prose_spamvertised_domain.eml": E(
        hosts="www.replica-rolex-store.example.net",
        types="spam",
        never="inboxmail.example.at",
        classes=(1,),
    ),
    # Forwarded by a colleague of ours: the quoted complaint is the evidence.
    "misfiled_internal_forward_outlook.eml": E(
        ips="203.0.113.230",
        types="brute-force",
        never="cloud-tenant.example.de desk.example",
        classes=(3,),
    ),
    "noncomplaint_out_of_office_html.eml": N(never="agence-web.example.fr"),
    "misfiled_precedence_autoreply_ticketing.eml": E(
        ips="198.51.100.251",
        urls="http://198.51.100.251/files/enc.exe",
        types="malware-distribution system-compromise",
        never="regional-cert.example.eu",
        classes=(3,),
        note="an exfiltration server that also served the ransomware",
    ),
    "kind_phishing_on_hacked_site.eml": E(
        urls="https://hotel-seeblick.example.com/.well-known/tax-refund/index.php",
        types="phishing system-compromise",
        classes=(5,),
    ),
    "prose_host_and_ip_in_parentheses.eml": E(
        ips="203.0.113.61 203.0.113.62",
        types="spam",
        also_ok="vps-3315.cust.hosting-desk.example vps-3316.cust.hosting-desk.example",
        never="peer-network.example.nl",
        classes=(1,),
    ),
}
