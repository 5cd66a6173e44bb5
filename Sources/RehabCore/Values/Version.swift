/// The version of this build of RehabCount, which every report carries beside the contract and rule catalogue
/// versions it validated against.
public enum RehabCountVersion {
    /// Raised with every release.
    public static let tool = "0.11.0"
}
