"""The first edition of the knowledge base: security guidance written for customers.

Kept in a data migration so every installation starts with the same, reviewed text; the
team edits it afterwards in the admin. Re-running never overwrites an edited article.
"""

from django.db import migrations

COMPROMISED_CMS = """\
Your website appears to have been broken into. Attackers use hijacked WordPress, Joomla and
Drupal sites to send spam, host phishing pages and spread malware, so until it is cleaned the
site keeps causing harm and our network keeps getting reported. Below is the order that works.

1. Take a copy before you change anything
   Download the whole web root and a database dump (for example
   `mysqldump --single-transaction DBNAME > site-before-cleanup.sql`). You may need it to find
   out how the attacker got in, and it protects you if a cleanup step goes wrong.

2. Put the site in maintenance mode or take it offline
   While it is compromised it can be used again at any moment. A simple way on Apache is an
   .htaccess in the web root containing only:
       Require ip 203.0.113.10
   (your own office address instead of 203.0.113.10).

3. Find what was added
   - Files changed recently:  find /path/to/site -type f -mtime -30 -name '*.php' | sort
   - PHP inside upload folders, where it never belongs:
       find wp-content/uploads images media -name '*.php'
   - Typical backdoor functions:
       grep -rlE 'eval\\(base64_decode|gzinflate\\(|str_rot13\\(|assert\\(\\$_(POST|GET|REQUEST)|preg_replace\\(.*/e' .
   - Unknown administrator accounts (WordPress):  wp user list --role=administrator
   - Scheduled jobs you did not create: crontab -l for the site's user, and in WordPress
     `wp cron event list`.
   - .htaccess files that redirect visitors (look for RewriteRule lines pointing elsewhere,
     often only for visitors coming from search engines or mobile phones).

4. Replace the software with clean copies
   Do not try to clean core files by hand. Download fresh copies from the official sites and
   replace them:
   - WordPress:  wp core download --force --skip-content   then   wp core verify-checksums
     and  wp plugin verify-checksums --all
   - Joomla: download the same version's "Full Package" from joomla.org and upload it over the
     existing installation, then run the Joomla update to the latest release.
   Remove every plugin, extension and theme you do not use, and reinstall the ones you keep from
   their official source. "Nulled" (pirated) themes and plugins very often contain backdoors:
   remove them.

5. Update everything
   Core, plugins, extensions and themes to their latest versions, and the PHP version to one
   that still receives security updates. Most break-ins come through a plugin that was months
   or years out of date.

6. Change every credential, after the cleanup
   - All CMS administrator passwords (and delete accounts nobody recognises).
   - The database password, then put the new one in wp-config.php / configuration.php.
   - WordPress: generate new secret keys (https://api.wordpress.org/secret-key/1.1/salt/) so
     that stolen login cookies stop working.
   - FTP, SFTP, SSH and hosting control panel passwords.
   - Passwords of mail accounts on the same domain, if the attacker could read configuration
     files that contained them.
   Use a different, long password for each. Turn on two-factor authentication for
   administrators where your CMS offers it.

7. Check the other sites on the same account
   Attackers who get into one site can usually write to every site under the same user. Check
   all of them the same way, or the first one will be reinfected within days.

8. Keep it clean
   Turn on automatic updates for minor and security releases, keep regular backups that are
   stored outside the web space, and remove old copies of the site (backup.zip, /old, /test)
   from the web root: they are found and exploited too.

When you are done, reply to this message or use the link in our notice to tell us what you
found and what you changed. If you cannot clean the site yourself, a clean restore from a
backup taken before the break-in, followed by steps 5 and 6, is just as good.
"""

OPEN_SERVICES = """\
A service on your server answers requests from anyone on the internet in a way that lets
attackers use it to amplify denial-of-service attacks: they send small requests with the
victim's forged address, and your server sends much larger answers to the victim. Your server
is not "hacked", but it takes part in the attacks and its bandwidth is used against others.
The fix is a configuration change. Find your service below.

Before and after the change, test from a machine OUTSIDE your network (replace 198.51.100.7
with your server's address). A closed service gives no answer or a refusal.

DNS resolver (UDP/TCP 53)
  Test:  dig @198.51.100.7 example.com A      (an answer with "ra" in the flags = open resolver)
  If the server only hosts your own domains, turn recursion off entirely.
  BIND, in the options { } block of named.conf:
      recursion no;
  or, if your own machines use it as their resolver:
      allow-recursion { 127.0.0.1; ::1; 198.51.100.0/24; };
      allow-query-cache { 127.0.0.1; ::1; 198.51.100.0/24; };
  Unbound, in unbound.conf (the default refuses everyone but localhost; remove any line that
  allows 0.0.0.0/0):
      access-control: 0.0.0.0/0 refuse
      access-control: ::0/0 refuse
      access-control: 127.0.0.0/8 allow
      access-control: 198.51.100.0/24 allow
  dnsmasq:  add  local-service  (answers only to directly connected networks) or bind it to
  an internal interface with  interface=eth1  and  bind-interfaces.
  Windows Server DNS:  dnscmd /Config /NoRecursion 1   (or DNS Manager > server properties >
  Advanced > "Disable recursion").
  Then restart the service.

NTP (UDP 123), "monlist"
  Test:  ntpdc -n -c monlist 198.51.100.7   and   ntpq -c rv 198.51.100.7
  Upgrade ntpd to 4.2.8 or later, where monlist no longer exists. In /etc/ntp.conf keep
  only these access lines for the outside world:
      restrict default kod nomodify notrap nopeer noquery limited
      restrict -6 default kod nomodify notrap nopeer noquery limited
      restrict 127.0.0.1
      restrict ::1
      disable monitor
  Alternatively replace ntpd by chrony, which does not serve time to others unless an
  "allow" line is configured (leave it out) and has no monlist.

Memcached (UDP/TCP 11211)
  Memcached has no authentication and must never be reachable from the internet.
  In /etc/memcached.conf (Debian/Ubuntu) use:
      -l 127.0.0.1
      -U 0
  (-U 0 switches UDP off; it is the default since memcached 1.5.6, but older packages and
  hand-written unit files still enable it.) On Red Hat family systems put
      OPTIONS="-l 127.0.0.1 -U 0"
  in /etc/sysconfig/memcached. Restart memcached. If other servers need it, listen on a
  private interface and allow only them in the firewall.

SSDP / UPnP (UDP 1900)
  Test:  a search request to 198.51.100.7 port 1900 from outside should go unanswered.
  SSDP belongs in a local network only. Switch UPnP off on routers and devices that face the
  internet, stop services such as minissdpd (systemctl disable --now minissdpd), and block it:
      iptables -A INPUT -p udp --dport 1900 -j DROP
      ip6tables -A INPUT -p udp --dport 1900 -j DROP

SNMP (UDP 161)
  Test:  snmpwalk -v2c -c public 198.51.100.7 system
  Remove the default "public" and "private" communities. In /etc/snmp/snmpd.conf listen only
  where your monitoring can reach it and allow only your monitoring host:
      agentaddress udp:127.0.0.1:161
      rocommunity A-LONG-RANDOM-STRING 198.51.100.20
  Better, use SNMPv3 with authentication and encryption:
      createuser monitor SHA "auth-passphrase" AES "privacy-passphrase"
      rouser monitor authpriv
  and block UDP 161 from everywhere else in your firewall.

CLDAP (UDP 389), Windows domain controllers
  Domain controllers answer connectionless LDAP, which amplifies about 50 times. A domain
  controller should not be reachable from the internet at all. Block it in the Windows
  firewall (PowerShell, as administrator):
      New-NetFirewallRule -DisplayName "Block CLDAP from Internet" -Direction Inbound -Protocol UDP -LocalPort 389 -RemoteAddress Internet -Action Block
  and do the same on any firewall in front of the server.

Other services that are abused the same way: chargen (UDP 19), QOTD (UDP 17), portmapper/
rpcbind (UDP 111), NetBIOS (UDP 137), mDNS (UDP 5353), WS-Discovery (UDP 3702). If you do
not need them, disable them; if you do, allow only the networks that need them.

A general rule that prevents all of these: a default-deny firewall for incoming traffic that
opens only the ports your customers actually use (for a web server, usually TCP 80, 443 and
your SSH port).

Please tell us which change you made, by replying to this message or through the link in our
notice. We re-test the address afterwards.
"""

COMPROMISED_MAILBOX = """\
Mail from your server or one of your mailboxes is being reported as spam. In almost every
case the cause is a mailbox whose password was guessed or stolen: spammers log in with it
over SMTP AUTH (or webmail) and send through your server, which makes the spam look
legitimate. The steps below stop it and keep it from happening again.

1. Find the account that is sending
   Postfix:  grep -o 'sasl_username=[^ ,]*' /var/log/mail.log | sort | uniq -c | sort -rn | head
   Exim:     grep -o 'A=[a-z_]*:[^ ]*' /var/log/exim4/mainlog | sort | uniq -c | sort -rn | head
   An account that logged in from many countries or sent thousands of messages is the one.
   In hosted control panels (Plesk, cPanel) the mail statistics per mailbox show the same.

2. Lock the account and change its password
   Set a new, long, unique password (16 characters or more). Changing the password does not
   end existing sessions everywhere: also sign out all sessions, remove "app passwords" and
   restart the IMAP/SMTP service if in doubt. Tell the owner of the mailbox, whose computer or
   phone may also be infected: the password was taken somewhere.

3. Turn on two-factor authentication
   For webmail and hosted mail (Microsoft 365, Google Workspace and most control panels)
   require two-factor sign-in, and disable legacy authentication (basic SMTP AUTH, POP, IMAP)
   for accounts that do not need it.

4. Check what the attacker left behind
   - Forwarding rules and filters in the mailbox that send copies of mail elsewhere or
     delete replies (attackers add these to read and hide).
   - Auto-replies and signatures that were changed.
   - New mailboxes or aliases you did not create.

5. Empty the queue of spam still waiting to go out
   Postfix:  postqueue -p    (list)
             postqueue -p | grep -B2 'SPAMMER-ADDRESS' | grep -oE '^[0-9A-F]+' | postsuper -d -
             (deletes only the messages of that sender; "postsuper -d ALL deferred" deletes
             every deferred message, including legitimate ones)
   Exim:     exim -bp        (list)
             exiqgrep -i -f SPAMMER-ADDRESS | xargs exim -Mrm
   Otherwise the server keeps sending the spam for days after the account is locked.

6. Limit the damage of the next stolen password
   Postfix, in main.cf (numbers per client, per minute):
       anvil_rate_time_unit = 60s
       smtpd_client_message_rate_limit = 30
       smtpd_client_recipient_rate_limit = 100
       smtpd_client_auth_rate_limit = 10
   Exim: a ratelimit condition in the acl_check_rcpt ACL, for example
       deny authenticated = *
            ratelimit = 100 / 1h / strict / $authenticated_id
            message = Sending rate exceeded
   Offer authenticated submission only on port 587 (STARTTLS) or 465 (TLS), never
   authentication without encryption on port 25.

7. Stop password guessing
   With fail2ban, enable the jail for your MTA, for example in /etc/fail2ban/jail.local:
       [postfix-sasl]
       enabled  = true
       maxretry = 5
       findtime = 10m
       bantime  = 1h
   (use [dovecot] and [exim] jails the same way if you run them), then
   systemctl restart fail2ban.

8. Check blocklists
   Spam runs usually put the server's address on blocklists (Spamhaus, SpamCop, Barracuda).
   Once the spam has stopped, request removal on each list's website; they remove addresses
   only after the sending has stopped.

Please reply, or use the link in our notice, with the account that was affected and what you
changed.
"""

SSH_BRUTE_FORCE = """\
Your server is trying to log in to other people's servers over SSH, thousands of times, with
guessed passwords. Servers do not do this on their own: in nearly every case the server was
itself broken into the same way (a weak password on an SSH account) and now runs the
attacker's scanning software.

1. Find and stop the attacking process
   - Outgoing SSH connections:    ss -tnp state established '( dport = :22 )'
   - The processes behind them:   ps -fp PID   and   ls -l /proc/PID/exe
   - Look in /tmp, /var/tmp and /dev/shm for files you did not put there, and check every
     crontab (crontab -l for each user, /etc/cron.*, systemctl list-timers) and
     ~/.ssh/authorized_keys of every user for entries you do not recognise.
   The attacker had the rights of the account they broke into, and very often root: you
   cannot be sure you found everything.

2. Reinstall if root was compromised
   If the attacker had root access, or if you are unsure, back up your data (not programs),
   reinstall the operating system from a clean image, restore the data, and change every
   password and key that was stored on the server. This is quicker and safer than searching
   for every backdoor.

3. Allow only key-based logins
   Create a key pair on your own computer (ssh-keygen -t ed25519), put the public key in
   ~/.ssh/authorized_keys on the server, check that you can log in with it, then set in
   /etc/ssh/sshd_config:
       PasswordAuthentication no
       KbdInteractiveAuthentication no
       PermitRootLogin no
       PubkeyAuthentication yes
       AllowUsers youradminuser
   and reload:  systemctl reload ssh   (or sshd on Red Hat family systems).
   Keep your current session open until a new login works.

4. Slow down guessing with fail2ban
   apt install fail2ban   (or dnf install fail2ban), then in /etc/fail2ban/jail.local:
       [sshd]
       enabled  = true
       maxretry = 5
       findtime = 10m
       bantime  = 1h
   systemctl enable --now fail2ban;  fail2ban-client status sshd  shows the banned addresses.

5. Keep the system updated
   apt update && apt upgrade (or dnf upgrade) now, and turn on unattended security updates
   (unattended-upgrades on Debian/Ubuntu, dnf-automatic on Red Hat family systems).

6. Restrict who can reach SSH at all
   If only you administer the server, allow TCP 22 only from your own addresses or a VPN in
   the firewall; moving SSH to another port reduces log noise but is not a protection.

Please reply, or use the link in our notice, when the attacking process is gone and tell us
what you found. We keep checking reports about the address.
"""

PHISHING_KIT = """\
A page on your website is being used for phishing: it imitates a bank, a payment service or
a webmail login to steal the passwords and card numbers of the people who visit it. It was
almost certainly placed there by an attacker who broke into the site; the victims' data is
usually mailed to the attacker or written to a file on your server.

1. Remove the phishing pages, but keep a copy for investigation
   The reported address tells you where the kit is. Kits usually live in a folder of their
   own, often with a harmless-looking name, sometimes deep inside wp-content, images or
   .well-known. Before deleting:
       tar czf /root/phishing-kit-evidence.tgz /path/to/the/folder
   then remove the folder. Look for the zip file the kit was uploaded as (often in the same
   place or the web root) and remove it too.

2. Find other kits and what the attacker changed
   Attackers rarely upload only one. Search the whole account:
       find /path/to/sites -type f -mtime -30 \\( -name '*.php' -o -name '*.html' -o -name '*.zip' \\)
       grep -rlE 'mail\\(.*(pass|card|cvv|login)|\\$_POST\\[.(pass|cc|cvv)' /path/to/sites
   Check every .htaccess file: kits often add rules that hide the pages from search engines
   and security scanners, or redirect visitors by country, for example
       RewriteCond %{HTTP_USER_AGENT} (google|bot|crawler) [NC]
       RewriteRule .* - [F]
   or "deny from" lists of security companies' addresses. Remove lines you did not write.

3. Look for stolen data on the server
   Kits often save what victims typed into a text file (results.txt, log.txt, rezult.txt).
   If you find one, do not publish it; it contains other people's data. Tell us in your
   reply: we pass it on to the organisation that was imitated so the victims can be warned.

4. Close the hole the attacker used
   A phishing kit is a symptom: somebody could upload files to your site. Follow the steps
   for a compromised website: update the CMS, its plugins and themes, remove what you do not
   use, and change the passwords for the CMS, FTP/SFTP, the database and the hosting panel.

5. Check your other sites
   Everything under the same hosting account could be written by the attacker. Check each
   site on the account the same way.

Please reply, or use the link in our notice, once the pages are gone; tell us the folder you
removed and how the attacker got in, if you found out.
"""

MALWARE_CLEANUP = """\
Your server is reported to be spreading malware, or to be infected with it (for example as
part of a botnet that is remotely controlled by an attacker). An infected machine can be used
to steal data, attack others and send spam, so it needs to be cleaned thoroughly.

1. Contain
   If you can, disconnect the machine from the network or restrict it to your own
   administrative access while you work. Do not simply delete the reported file and carry
   on: the way the attacker got in is still open.

2. Identify what is running
   - Unknown processes and their network connections:  ps auxf ; ss -tupn
   - Programs started at boot or on a schedule: systemctl list-unit-files --state=enabled,
     crontabs (crontab -l for each user, /etc/cron.*), /etc/rc.local, and on Windows the
     Task Scheduler and the Run keys in the registry.
   - Files served by the website that are not part of it (executables, .apk, .exe, .js or
     .zip files in upload folders).

3. Scan
   Linux:   apt install clamav && freshclam && clamscan -ri / --exclude-dir='^/(proc|sys|dev)'
            and for web roots also a dedicated scanner such as Linux Malware Detect (maldet).
   Windows: a full offline scan with Microsoft Defender ("Microsoft Defender Offline scan"),
            which runs before Windows starts and finds malware that hides from normal scans.
   A scanner that finds nothing does not prove the machine is clean; one that finds
   something tells you it is not.

4. Restore from a clean backup, or reinstall
   The reliable way to be sure is to reinstall the operating system from original media or
   your provider image, or to restore a backup that was made before the infection, and then
   restore only data (documents, databases, uploaded content) — not programs or scripts — from
   the infected system after checking them.

5. Close the way in and change credentials
   Install all operating-system and application updates before the machine goes back online.
   Change every password and key that was used on or stored on the machine (administrator
   accounts, SSH keys, database passwords, API keys in configuration files). Turn on automatic
   security updates.

6. Check the neighbours
   Other machines that shared passwords, keys or a network with the infected one may be
   infected too.

Please reply, or use the link in our notice, telling us what you found (the name of the
malware if a scanner reported one) and what you did. We keep watching reports about the
address.
"""

COPYRIGHT = """\
We received a notice from a copyright holder (or an agency acting for one) saying that
material on your service infringes their copyright. As your hosting provider we are required
to act on such notices, which is why you are receiving this message. This is not a judgement
that you did something wrong: you are the one who knows whether you have the right to publish
the material.

What the notice means
  The sender identifies a work they hold rights to (a film, music, software, images, text)
  and the address where they found it on your service. They ask for that material to be
  removed or access to it disabled. The notice is included with our message.

What you can do
  1. If the material is infringing, or you are not sure you have the rights: remove it, or
     disable access to it, from the address listed in the notice and from any other place on
     your service where the same material is stored (mirrors, backups in the web root,
     torrent seeding, file-sharing folders). Then reply to us, or use the link in our notice,
     and say what you removed. That normally closes the case.
  2. If you believe the notice is mistaken — you own the work, you have a licence, the
     material is not what the notice says, or your use is permitted by law (for example
     quotation, parody or fair use where that applies) — you can send a counter-notice.
     It should contain:
       - your name, address, telephone number and e-mail address;
       - the addresses of the material that was reported;
       - a statement, under penalty of perjury where the law requires it, that you have a
         good-faith belief the material was reported by mistake or misidentification;
       - for notices under the US DMCA: a statement that you consent to the jurisdiction of
         the federal district court for your address (or, outside the US, any judicial
         district in which the service provider may be found), and that you will accept
         service of process from the person who sent the notice;
       - your physical or electronic signature.
     Send it in reply to this message. We forward it to the sender of the notice; if they do
     not start legal proceedings, the material can be restored.
  Please do not ignore the notice: repeated unanswered notices can lead to the suspension of
  the service under our terms.

Preventing repeats
  If your service lets other people upload material (a forum, file host, image board or
  shop), publish a way for rights holders to contact you, remove reported material quickly,
  and keep a record of the notices you handled and of users who repeatedly upload infringing
  material.

We cannot give legal advice. If the notice is important to your business, consult a lawyer.
"""

ARTICLES = [
    {
        "slug": "compromised-website-cms",
        "title": "Cleaning up a compromised website (WordPress, Joomla and other CMS)",
        "types": [
            "system-compromise",
            "application-compromise",
            "phishing",
            "malware-distribution",
            "spam",
            "masquerade",
        ],
        "summary": "Find what the attacker added, replace the software with clean copies, update, and rotate every credential.",
        "body": COMPROMISED_CMS,
    },
    {
        "slug": "open-resolvers-and-amplifiers",
        "title": "Closing open resolvers and amplifiers (DNS, NTP, memcached, SSDP, SNMP, CLDAP)",
        "types": ["ddos-amplifier", "vulnerable-system", "potentially-unwanted-accessible", "ddos"],
        "summary": "The exact configuration lines that stop a service from being used to amplify attacks.",
        "body": OPEN_SERVICES,
    },
    {
        "slug": "compromised-mailbox-smtp-auth",
        "title": "Spam from a compromised mailbox (SMTP AUTH abuse)",
        "types": ["spam", "brute-force"],
        "summary": "Find the account, reset it with two-factor authentication, clear the queue, add rate limits.",
        "body": COMPROMISED_MAILBOX,
    },
    {
        "slug": "ssh-brute-force",
        "title": "Your server is attacking others over SSH",
        "types": ["brute-force", "scanner", "infected-system", "system-compromise"],
        "summary": "Stop the attacking process, reinstall if root was taken, allow keys only, add fail2ban.",
        "body": SSH_BRUTE_FORCE,
    },
    {
        "slug": "phishing-kit-removal",
        "title": "Removing a phishing kit from your website",
        "types": ["phishing", "masquerade"],
        "summary": "Remove the kit, find the others and the .htaccess tricks, and close the hole it came through.",
        "body": PHISHING_KIT,
    },
    {
        "slug": "malware-cleanup",
        "title": "Cleaning a server that spreads malware or belongs to a botnet",
        "types": [
            "malware-distribution",
            "malware-configuration",
            "infected-system",
            "c2-server",
            "system-compromise",
            "ddos",
            "exploit",
        ],
        "summary": "Contain, scan, restore from a clean backup or reinstall, then close the way in.",
        "body": MALWARE_CLEANUP,
    },
    {
        "slug": "copyright-notice",
        "title": "What a copyright notice means, and how to answer it",
        "types": ["copyright"],
        "summary": "Remove the material, or send a counter-notice if the notice is mistaken.",
        "body": COPYRIGHT,
    },
]


def load(apps, schema_editor):
    article = apps.get_model("complaints", "GuidanceArticle")
    for data in ARTICLES:
        article.objects.get_or_create(slug=data["slug"], defaults=data)


def unload(apps, schema_editor):
    article = apps.get_model("complaints", "GuidanceArticle")
    article.objects.filter(slug__in=[a["slug"] for a in ARTICLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_mediation")]

    operations = [migrations.RunPython(load, unload)]
