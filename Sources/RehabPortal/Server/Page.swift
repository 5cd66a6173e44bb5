import Foundation
import RehabReport

/// The portal's HTML, rendered on the server: every value escaped, no inline script or style (the CSP allows
/// neither), one stylesheet, and the landmarks, labels and headings that screen readers and keyboards need.
enum Page {
    /// Text made safe for HTML content and attribute values, as the reports make it.
    static func escape(_ text: String) -> String { HTML.escape(text) }

    /// A whole page: its title, who is logged in (with the logout form), and its main content.
    static func document(title: String, session: Sessions.Open?, main: String, script: Bool = false) -> String {
        let who: String
        if let session {
            let scope = session.identity.org.map { "trust \(escape($0))" } ?? "every trust (central)"
            who = """
                <p class="who">\(escape(String(session.identity.actor.dropFirst(5)))), for \(scope)</p>
                <form method="post" action="/logout" class="logout">
                <input type="hidden" name="csrf" value="\(escape(session.csrf))">
                <button type="submit">Log out</button>
                </form>
                """
        } else {
            who = ""
        }
        return """
            <!DOCTYPE html>
            <html lang="en-GB">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) – RehabCount</title>
            <link rel="stylesheet" href="/portal.css">\(script ? "\n<script src=\"/portal.js\" defer></script>" : "")
            </head>
            <body>
            <a class="skip" href="#main">Skip to main content</a>
            <header><p class="brand"><a href="/">RehabCount</a></p>\(who)</header>
            <main id="main">
            <h1>\(escape(title))</h1>
            \(main)
            </main>
            </body>
            </html>
            """
    }

    static func login(message: String?, csrf: String, email: String = "") -> String {
        let error =
            message.map {
                """
                <div class="error" role="alert"><p>\(escape($0))</p></div>
                """
            } ?? ""
        return document(
            title: "Log in",
            session: nil,
            main: """
                \(error)
                <form method="post" action="/login">
                <input type="hidden" name="csrf" value="\(escape(csrf))">
                <p><label for="email">Email address</label>
                <input id="email" name="email" type="email" autocomplete="username" required value="\(escape(email))"></p>
                <p><label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required></p>
                <p><button type="submit">Log in</button></p>
                </form>
                """
        )
    }

    static func checkForm(session: Sessions.Open, maxUpload: Int, message: String?) -> String {
        let error = message.map { "<div class=\"error\" role=\"alert\"><p>\(escape($0))</p></div>" } ?? ""
        return document(
            title: "Check a file",
            session: session,
            main: """
                \(error)
                <p>Choose an extract named <code>&lt;ORG&gt;_&lt;kind&gt;_&lt;YYYY-MM&gt;.csv</code> or <code>.xlsx</code>, \
                up to \(maxUpload >> 20) MiB. It is checked with the same rules as tonight's run; nothing is \
                submitted until you choose to.</p>
                <form method="post" action="/check" enctype="multipart/form-data">
                <input type="hidden" name="csrf" value="\(escape(session.csrf))">
                <p><label for="file">Extract file</label>
                <input id="file" name="file" type="file" accept=".csv,.xlsx" required></p>
                <p><button type="submit">Check the file</button></p>
                </form>
                """
        )
    }

    static func checkResult(
        session: Sessions.Open,
        check: PortalServer.Handlers.CheckRecord,
        files: [String]
    )
        -> String
    {
        if !check.finished {
            // Waiting, being checked or failed: where it is, in words; while it waits, the page's script asks again
            // every two seconds and shows the outcome when it is ready, and without script a link does the same.
            let pending =
                check.pending
                ? """
                <div id="pending" class="tally" role="status" data-state="/checks/\(check.id)/state">
                <p class="text">\(escape(check.progress))</p>
                </div>
                <p><a href="/checks/\(check.id)">Refresh to see the outcome</a></p>
                """
                : "<div class=\"error\" role=\"alert\"><p>\(escape(check.progress))</p></div>"
                    + "<p><a href=\"/check\">Check a file</a></p>"
            return document(
                title: "Check of \(check.file)",
                session: session,
                main: pending,
                script: check.pending
            )
        }
        let links = files.map { name in
            "<li><a href=\"/checks/\(check.id)/files/\(escape(name))\">\(escape(name))</a></li>"
        }.joined(separator: "\n")
        let action =
            check.submittedAt.map {
                "<p class=\"done\" role=\"status\">Submitted at \(escape($0)). It is loaded by the next nightly run.</p>"
            }
                ?? """
                <form method="post" action="/checks/\(check.id)/submit">
                <input type="hidden" name="csrf" value="\(escape(session.csrf))">
                <p><button type="submit">Submit \(escape(check.file))</button></p>
                </form>
                """
        return document(
            title: "Check of \(check.file)",
            session: session,
            main: """
                <dl class="summary">
                <dt>Outcome</dt><dd>\(escape(check.status.replacingOccurrences(of: "_", with: " ")))</dd>
                <dt>Rows read</dt><dd>\(escape(check.rowsRead))</dd>
                <dt>Rows the night would hold back</dt><dd>\(escape(check.rowsQuarantined))</dd>
                </dl>
                <h2>Reports</h2>
                <ul>
                \(links)
                </ul>
                \(action)
                """
        )
    }

    /// The portal's one script, for a check waiting its turn: it asks where the check is every two seconds, says
    /// so in the page's status box (announced politely by screen readers), and reloads the page when the outcome
    /// is ready. Pages work without it.
    static let script = """
        (function () {
          var box = document.getElementById("pending");
          if (!box || !window.fetch) { return; }
          var text = box.querySelector(".text");
          function ask() {
            fetch(box.getAttribute("data-state"), { credentials: "same-origin", cache: "no-store" })
              .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
              .then(function (s) {
                if (s.done) { window.location.reload(); return; }
                if (text.textContent !== s.text) { text.textContent = s.text; }
                window.setTimeout(ask, 2000);
              })
              .catch(function () { window.setTimeout(ask, 5000); });
          }
          window.setTimeout(ask, 1000);
        })();
        """

    static func message(_ title: String, _ text: String, session: Sessions.Open?) -> String {
        document(title: title, session: session, main: "<p>\(escape(text))</p>")
    }

    /// The one stylesheet: NHS blue, readable sizes, a visible focus ring.
    static let stylesheet = """
        body { font-family: Arial, Helvetica, sans-serif; margin: 0; color: #212b32; background: #f0f4f5; line-height: 1.5; }
        header { background: #005eb8; color: #fff; padding: 0.5rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem;
          align-items: center; }
        header a, header p { color: #fff; margin: 0; }
        .brand { font-weight: bold; font-size: 1.25rem; }
        .who { margin-left: auto; }
        main { padding: 1rem; max-width: 72rem; }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 1rem; top: 1rem; background: #ffeb3b; color: #212b32; padding: 0.5rem; }
        a { color: #005eb8; }
        a:focus, button:focus, input:focus { outline: 3px solid #ffeb3b; outline-offset: 0; box-shadow: 0 4px #212b32; }
        label { display: block; font-weight: bold; }
        input { font-size: 1rem; padding: 0.4rem; border: 2px solid #4c6272; min-width: 18rem; }
        button { font-size: 1rem; padding: 0.5rem 1rem; background: #007f3b; color: #fff; border: 0;
          box-shadow: 0 4px #00401e; cursor: pointer; }
        .logout button { background: #fff; color: #005eb8; box-shadow: none; }
        .error { border: 4px solid #d5281b; background: #fff; padding: 0 1rem; }
        table { border-collapse: collapse; background: #fff; width: 100%; }
        caption { text-align: left; font-weight: bold; padding: 0.5rem 0; }
        th, td { border-bottom: 1px solid #d8dde0; padding: 0.4rem 0.6rem; text-align: left; }
        .number { text-align: right; font-variant-numeric: tabular-nums; }
        .summary dt { font-weight: bold; }
        .summary dd { margin: 0 0 0.5rem 0; }
        .done { border-left: 6px solid #007f3b; background: #fff; padding: 0.5rem 1rem; }
        select { font-size: 1rem; padding: 0.3rem; border: 2px solid #4c6272; }
        select:focus { outline: 3px solid #ffeb3b; }
        .period { display: flex; gap: 0.5rem; align-items: end; flex-wrap: wrap; margin: 0 0 1rem 0; }
        .period label { margin: 0; }
        .period button { padding: 0.3rem 0.8rem; }
        .state { font-weight: bold; }
        .state-missing, .state-rejected { color: #aa1e13; }
        .state-needs-attention { color: #8a3b00; }
        .state-accepted, .state-accepted-with-warnings { color: #00662f; }
        .aside { color: #4c6272; font-size: 0.9rem; }
        .tally { background: #fff; border-left: 6px solid #005eb8; padding: 0.5rem 1rem; }
        figure { background: #fff; margin: 0; padding: 1rem; max-width: 40rem; }
        svg[role=img] { max-width: 100%; height: auto; }
        figure > svg { width: 100%; }
        figcaption svg { vertical-align: middle; }
        h2 { margin-top: 2rem; }
        """
}
