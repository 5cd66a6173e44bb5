import Foundation
import Hummingbird
import RehabCore

extension PortalServer.Handlers {
    /// The home page: a trust's own page for a trust's user; every trust's standing, most urgent first, for a
    /// central one.
    func home(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        if let org = open.identity.org {
            return try await trustPage(org: org, request, for: open)
        }
        let asked = try period(request)
        let (period, periods, extracts) = try await pool.withConnection { c in
            let frame = try Standing.frame(org: nil, connection: c)
            let period = asked ?? frame.latest
            return (period, frame.periods, try Standing.extracts(period: period, org: nil, connection: c))
        }
        return html(.ok, Page.overview(session: open, period: period, periods: periods, extracts: extracts))
    }

    /// A trust's page, for its own users and central ones; 404 for anyone else, as for a trust that does not exist.
    func trust(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        let org = context.parameters.get("org") ?? ""
        guard Self.isCode(org), open.identity.maySee(org: org) else {
            throw HTTPError(.notFound, message: "There is no such trust.")
        }
        return try await trustPage(org: org, request, for: open)
    }

    func trustPage(org: String, _ request: Request, for open: Sessions.Open) async throws -> Response {
        let asked = try period(request)
        let (outbox, published) = (outbox, published)
        let home = try await pool.withConnection { c in
            let frame = try Standing.frame(org: org, connection: c)
            let period = asked ?? frame.latest
            let figures = try published.figures(org: org, period: period, analysis: frame.analysis) {
                try Standing.Published.read(org: org, period: period, connection: c)
            }
            return Page.TrustHome(
                org: org,
                period: period,
                periods: frame.periods,
                extracts: try Standing.extracts(period: period, org: org, connection: c),
                published: figures,
                reports: Standing.reports(in: "\(outbox)/\(org)", period: period)
            )
        }
        return html(.ok, Page.trustHome(session: open, home: home))
    }

    /// One of the night's reports from a trust's outbox folder; 404 for a name that is not a report there, or a
    /// trust the identity may not see.
    func nightReport(_ request: Request, _ context: PortalContext) async throws -> Response {
        guard let open = try await session(request) else { return redirect("/login") }
        let org = context.parameters.get("org") ?? ""
        let name = context.parameters.get("name") ?? ""
        guard Self.isCode(org), open.identity.maySee(org: org), Standing.isReport(name),
            name.hasPrefix(org + "_")
        else { throw HTTPError(.notFound, message: "There is no such report.") }
        return try await report(at: "\(outbox)/\(org)/\(name)", org: org, for: open, context: context)
    }

    /// The period a page asks for in `?period=YYYY-MM`; nil when it asks for none; 400 when it is not a month.
    func period(_ request: Request) throws -> Period? {
        guard let text = request.uri.queryParameters.get("period"), !text.isEmpty else { return nil }
        guard text.count == 7, let period = Period(text) else {
            throw HTTPError(.badRequest, message: "The period must be a month, written YYYY-MM.")
        }
        return period
    }

    /// An ODS code as a trust's folder and address may hold: 3 to 5 letters and digits.
    static func isCode(_ text: String) -> Bool {
        (3...5).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
