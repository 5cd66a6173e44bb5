import Foundation
import RehabCore
import RehabPipeline
import Testing

@Suite("The pipeline file's portal section")
struct PortalConfigTests {
    @Test("A full section reads as written; https makes cookies Secure; without one, the defaults")
    func reads() throws {
        let portal = try #require(
            try AnalysisSettingsTests.load(
                """
                portal:
                  listen: 0.0.0.0:9090
                  public_url: https://rehab.example.nhs.uk
                  max_upload: 100MiB
                  session_lifetime: 90m
                  client_timeout: 2m
                """
            ).portal
        )
        #expect(portal.host == "0.0.0.0" && portal.port == 9090)
        #expect(portal.secureCookies)
        #expect(portal.maxUpload == 100 << 20)
        #expect(portal.sessionLifetime == .seconds(5400) && portal.clientTimeout == .seconds(120))
        let plain = PipelineConfig.Portal()
        #expect(plain.host == "127.0.0.1" && plain.port == 8080 && !plain.secureCookies)
        #expect(plain.sessionLifetime == .seconds(8 * 3600) && plain.maxUpload == 512 << 20)
        #expect(try AnalysisSettingsTests.load("").portal == nil)
    }

    @Test(
        "A wrong portal section is a configuration error that says what to write",
        arguments: [
            ("portal: {listen: 8080}", "host:port"),
            ("portal: {listen: 'localhost:99999'}", "host:port"),
            ("portal: {public_url: rehab.example.nhs.uk}", "http or https"),
            ("portal: {max_upload: 20TB}", "such as 20MiB"),
            ("portal: {session_lifetime: 2d}", "such as 8h"),
            ("portal: {session_lifetime: 1m}", "such as 8h"),
            ("portal: {client_timeout: 1h}", "such as 30s"),
            ("portal: {client_timeout: 2s}", "such as 30s"),
            ("portal: {password: x}", "password"),
        ]
    )
    func refused(_ text: String, _ says: String) throws {
        let error = try #require(throws: RehabError.self) { try AnalysisSettingsTests.load(text) }
        #expect(error.code == .configuration)
        #expect("\(error)".contains(says), "\(error)")
    }
}
