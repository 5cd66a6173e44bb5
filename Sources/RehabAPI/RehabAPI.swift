/// The trust API's types and server protocol, generated at build time from `openapi.yaml` beside this file by
/// swift-openapi-generator, so that the document and the server cannot drift. RehabPortal implements the protocol.
package enum TrustAPIDocument {
    /// The document's path in the project folder, as `/api/openapi.yaml` serves it.
    package static let path = "Sources/RehabAPI/openapi.yaml"
}
