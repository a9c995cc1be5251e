#if canImport(Glibc)
import Glibc
#endif

/// Where a webhook may be delivered: `https://` (or `http://` where allowed, for loopback
/// tests), never to a link-local or cloud-metadata address (SSRF: a partner's URL must not make
/// the service read the host's own metadata endpoint). Checked at registration, and again before
/// each delivery on the addresses the name resolves to then.
public enum WebhookTarget {
    /// The URL's scheme and host, checked; throws ``StoreError/webhookURLRefused(url:reason:)``.
    @discardableResult
    public static func check(_ url: String, allowHTTP: Bool) throws -> (scheme: String, host: String) {
        let lowered = url.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") { scheme = "https" } else if lowered.hasPrefix("http://") { scheme = "http" } else {
            throw StoreError.webhookURLRefused(url: url, reason: "it must start with https://")
        }
        if scheme == "http", !allowHTTP {
            throw StoreError.webhookURLRefused(url: url, reason: "only https:// is allowed (http:// needs --allow-http, for a loopback test)")
        }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") { throw StoreError.webhookURLRefused(url: url, reason: "user names in the URL are not allowed") }
        var host = String(authority)
        if host.hasPrefix("[") {
            host = String(host.dropFirst().prefix { $0 != "]" })
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        guard !host.isEmpty, url.count <= 2048 else { throw StoreError.webhookURLRefused(url: url, reason: "it has no host") }
        if let reason = refusal(forHost: host) { throw StoreError.webhookURLRefused(url: url, reason: reason) }
        return (scheme, host)
    }

    /// Why deliveries may not go to `host` now (its addresses resolved), or nil.
    public static func refusal(forHost host: String) -> String? {
        let blockedNames = ["metadata.google.internal", "metadata"]
        if blockedNames.contains(host.lowercased()) { return "\(host) is a cloud metadata service" }
        for address in resolve(host) where isForbidden(address) {
            return "\(host) resolves to \(address), a link-local or metadata address"
        }
        return nil
    }

    /// Link-local (169.254.0.0/16, fe80::/10, which hold the cloud metadata services
    /// 169.254.169.254 and fd00:ec2::254) and the AWS IPv6 metadata address.
    static func isForbidden(_ address: String) -> Bool {
        let lowered = address.lowercased()
        if lowered.hasPrefix("169.254.") || lowered.hasPrefix("fe8") || lowered.hasPrefix("fe9") || lowered.hasPrefix("fea") || lowered.hasPrefix("feb") {
            return true
        }
        return lowered == "fd00:ec2::254" || lowered.hasPrefix("::ffff:169.254.")
    }

    /// The numeric addresses `host` resolves to (the host itself when it is one).
    static func resolve(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [host] }
        defer { freeaddrinfo(result) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                addresses.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
