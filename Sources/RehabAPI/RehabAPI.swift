/// The trust API's types and server protocol, generated at build time from `openapi.yaml` beside this file by
/// swift-openapi-generator, so that the document and the server cannot drift. RehabPortal implements the protocol.
///
/// The document itself is built into the executable (`text`, by the EmbedDefaults plugin), so the portal serves it
/// at `/api/openapi.yaml` wherever it is installed.
package enum TrustAPIDocument {}
