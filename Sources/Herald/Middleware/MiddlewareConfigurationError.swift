/// A middleware (or one of its supporting types) was created with a setting out of range. The message
/// names the component, the setting, the value given and the rule it breaks.
public struct MiddlewareConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case invalidSetting
    }

    private let code: Code
    /// The type whose setting is wrong, for example `RetryPolicy`.
    public let component: String
    /// The setting, for example `maximumAttempts`.
    public let setting: String
    /// What went wrong and what to do about it.
    public let message: String

    private init(_ code: Code, component: String, setting: String, message: String) {
        self.code = code
        self.component = component
        self.setting = setting
        self.message = message
    }

    /// `setting` of `component` has a value that breaks `rule`.
    public static func invalidSetting(component: String, setting: String, value: String, rule: String) -> Self {
        Self(
            .invalidSetting,
            component: component,
            setting: setting,
            message: "\(component): \(setting) = \(value) is invalid; it \(rule)"
        )
    }

    /// The message, prefixed with the error's type.
    public var description: String { "MiddlewareConfigurationError: \(message)" }
}
