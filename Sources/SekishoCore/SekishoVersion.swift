/// sekisho's own version, printed by `sekisho version` and sent nowhere on the wire.
public enum SekishoVersion {
    public static let string = "0.1.0"
}
