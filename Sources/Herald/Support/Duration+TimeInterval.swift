extension Duration {
    /// The duration in seconds with a fraction, as `Date` arithmetic takes it.
    package var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
