"""The tools compared: how each is configured and started for one target.

A Tool gives argv (and files it needs) for one run into its own target
user; `ignore` names what it does not carry over by design, so the check
of its result leaves that out (and the output says so); `compares` says
what the figure is.
"""

import os
import shutil
import subprocess

PASSWORD = "bench"


class Tool:
    name = ""
    source_user = "src"
    ignore = ()
    compares = ""
    phases = ("full", "noop", "changes")
    refuses_root = False
    marker = None  # a header field the tool adds to every message it stores

    def available(self):
        return None  # or why not

    def version(self):
        return ""

    def command(self, ctx, target, workdir):
        raise NotImplementedError


class InstalledPeer(Tool):
    """A peer from a Debian package: `program` on PATH, from `package`."""
    program = ""
    package = ""

    def available(self):
        return None if shutil.which(self.program) else \
            "%s not installed (apt install %s)" % (self.program, self.package)

    def version(self):
        return subprocess.run([self.program, "--version"], capture_output=True,
                              text=True).stdout.strip()


class Mailferry(Tool):
    def __init__(self, binary, connections=None, pop3=False):
        self.binary = binary
        self.connections = connections
        self.pop3 = pop3
        self.name = "mailferry" + (" pop3" if pop3 else "") + (
            " -c%d" % connections if connections else "")
        if pop3:
            self.source_user = "popsrc"
            self.ignore = ("flags", "keywords", "internaldate")
            self.compares = "POP3 INBOX -> IMAP INBOX (bytes; POP3 has no flags or dates)"
        else:
            self.compares = "IMAP -> IMAP, every folder, flags, keywords, INTERNALDATE"

    def available(self):
        return None if os.access(self.binary, os.X_OK) else "%s not executable" % self.binary

    def version(self):
        return subprocess.run([self.binary, "--version"], capture_output=True,
                              text=True).stdout.strip()

    def command(self, ctx, target, workdir):
        scheme = "pop3" if self.pop3 else "imap"
        port = ctx.tool_ports["pop3" if self.pop3 else "imap"]
        argv = [self.binary, "migrate", "%s://%s@127.0.0.1:%d" % (scheme, self.source_user, port),
                "imap://%s@127.0.0.1:%d" % (target, ctx.tool_ports["imap"]),
                "--state", os.path.join(workdir, "state.db"), "-q"]
        if self.connections:
            argv += ["--connections", str(self.connections)]
        env = dict(os.environ, MAILFERRY_SOURCE_PASSWORD=PASSWORD,
                   MAILFERRY_TARGET_PASSWORD=PASSWORD)
        return argv, env


class Mbsync(InstalledPeer):
    name = "mbsync"
    ignore = ("keywords",)
    marker = b"X-TUID"
    compares = ("IMAP -> IMAP (Sync Pull, Create Near, Patterns *, CopyArrivalDate); mbsync "
                "syncs no keywords and adds an X-TUID header (left out of the check)")

    program = "mbsync"
    package = "isync"

    def command(self, ctx, target, workdir):
        rc = os.path.join(workdir, "mbsyncrc")
        if not os.path.exists(rc):
            os.makedirs(os.path.join(workdir, "syncstate"), exist_ok=True)
            stores = ""
            for store, user in (("far", self.source_user), ("near", target)):
                stores += ("IMAPAccount %s\nHost 127.0.0.1\nPort %d\nUser %s\nPass %s\n"
                           "SSLType None\nAuthMechs LOGIN\n\nIMAPStore %s\nAccount %s\n\n"
                           % (store, ctx.tool_ports["imap"], user, PASSWORD, store, store))
            with open(rc, "w", encoding="utf-8") as f:
                f.write(stores + "Channel c\nFar :far:\nNear :near:\nPatterns *\n"
                        "Create Near\nSync Pull\nCopyArrivalDate yes\nSyncState %s/syncstate/\n" % workdir)
        return ["mbsync", "-q", "-c", rc, "c"], None


class OfflineImap(InstalledPeer):
    name = "offlineimap"
    ignore = ("keywords",)
    compares = "IMAP -> IMAP (remote-to-remote repositories, source readonly); no keywords"

    program = "offlineimap"
    package = "offlineimap3"

    def command(self, ctx, target, workdir):
        rc = os.path.join(workdir, "offlineimaprc")
        if not os.path.exists(rc):
            repo = ("type = IMAP\nremotehost = 127.0.0.1\nremoteport = %d\nremoteuser = %%s\n"
                    "remotepass = %s\nssl = no\nstarttls = no\n"
                    % (ctx.tool_ports["imap"], PASSWORD))
            with open(rc, "w", encoding="utf-8") as f:
                f.write("[general]\naccounts = a\nmetadata = %s/meta\nui = quiet\n\n"
                        "[Account a]\nlocalrepository = near\nremoterepository = far\n\n"
                        "[Repository far]\n%sreadonly = True\n\n[Repository near]\n%s"
                        % (workdir, repo % self.source_user, repo % target))
        return ["offlineimap", "-c", rc, "-u", "quiet"], None


class Getmail(InstalledPeer):
    name = "getmail6"
    refuses_root = True  # "refuse to deliver mail as root"
    source_user = "popsrc"
    ignore = ("flags", "keywords", "internaldate")
    compares = "POP3 INBOX -> local Maildir (download only, no IMAP writes; bytes)"

    program = "getmail"
    package = "getmail6"

    def command(self, ctx, target, workdir):
        rc = os.path.join(workdir, "getmailrc")
        maildir = os.path.join(workdir, "Maildir")
        if not os.path.exists(rc):
            for sub in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(maildir, sub), exist_ok=True)
            with open(rc, "w", encoding="utf-8") as f:
                f.write("[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\n"
                        "port = %d\nusername = %s\npassword = %s\n\n[destination]\n"
                        "type = Maildir\npath = %s/\n\n[options]\nread_all = false\n"
                        "delete = false\ndelivered_to = false\nreceived = false\nverbose = 0\n"
                        % (ctx.tool_ports["pop3"], self.source_user, PASSWORD, maildir))
        return ["getmail", "--getmaildir", workdir, "--rcfile", rc, "-q"], None


class Reference(Tool):
    name = "reference"
    phases = ("full",)
    compares = ("raw pipelined FETCH -> APPEND of generated messages of the corpus' mean size "
                "(imap_fetch_append_bench): the server's limit for a full copy")

    def __init__(self, binary):
        self.binary = binary

    def available(self):
        return None if os.access(self.binary, os.X_OK) else "%s not built" % self.binary

    def command(self, ctx, target, workdir):
        return [self.binary, "--port", str(ctx.tool_ports["imap"]), "--user", target, "--password",
                PASSWORD, "--messages", str(ctx.corpus_messages),
                "--size", str(ctx.corpus_bytes // ctx.corpus_messages)], None
