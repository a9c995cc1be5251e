import ArgumentParser
import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Foundation

/// `continuum partner webhook add | list | remove` and `continuum partner deliveries`: partners'
/// endpoints for outcome push, and what was sent to them (issue 24; docs/partners.md).
struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner",
        abstract: "Partners' webhooks: register endpoints, and see or retry deliveries.",
        discussion: """
            A partner's endpoint is told when the front door decides one of its referrals (referral.decided, \\
            referral.joined-case), when the child's case closes (case.closed) and when it steps down to early help \\
            (case.stepped-down-to-early-help). Each delivery is signed (docs/partners.md), sent at least once, retried \\
            for 24 hours, then kept on the failed list.
            """,
        subcommands: [Webhook.self, Deliveries.self]
    )

    struct Webhook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register, list and remove partners' endpoints.", subcommands: [Add.self, List.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register an endpoint for a partner; prints the signing secret (hex) when it made one.",
                discussion: """
                    The URL must be https:// (http:// only with --allow-http, for a test on loopback) and must not be a \\
                    link-local or cloud-metadata address. The secret signs each delivery (HMAC-SHA-256); give it with \\
                    --secret-file (at least 16 bytes; the file's bytes as they are) or let Continuum make one and give \\
                    the printed hex to the partner, once.

                    Example:
                      continuum partner webhook add --partner surrey-police --url \\
                        https://cases.police.example/continuum
                    """
            )
            @Option(name: .long, help: ArgumentHelp("The partner id (as on its tokens).", valueName: "ID")) var partner: String
            @Option(name: .long, help: ArgumentHelp("Where to POST deliveries.", valueName: "URL")) var url: String
            @Option(name: .long, help: ArgumentHelp("A file holding the signing secret (16 bytes or more).", valueName: "FILE")) var secretFile: String?
            @Flag(name: .long, help: "Allow http:// (for a receiver on loopback in a test).") var allowHttp = false
            @OptionGroup var database: DatabaseOption
            @OptionGroup var pathway: PathwayOption

            func run() async throws {
                var secret: [UInt8]?
                if let secretFile {
                    guard let data = FileManager.default.contents(atPath: secretFile) else {
                        Console.error("continuum: cannot read the secret file \(secretFile)")
                        throw Exit.noInput
                    }
                    secret = Array(data)
                }
                let store = try database.open(pathways: try pathway.loadSet())
                do {
                    let (info, key) = try await store.addWebhook(partnerId: partner, url: url, secret: secret, allowHTTP: allowHttp, at: Clock.nowForStore)
                    if secretFile == nil { Console.out(HexText.encode(key)) }
                    Console.error("continuum: registered \(info.webhookId) for \(partner), key \(info.keyId)" + (secretFile == nil ? "; the secret above is shown only this once" : ""))
                } catch let error as StoreError {
                    Console.error("continuum: \(error)")
                    throw Exit.dataError
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List endpoints (never their secrets).")
            @Option(name: .long, help: ArgumentHelp("Only this partner's.", valueName: "ID")) var partner: String?
            @Flag(name: .long, help: "Print JSON, one object per endpoint.") var json = false
            @OptionGroup var database: DatabaseOption
            @OptionGroup var pathway: PathwayOption

            func run() async throws {
                let store = try database.open(pathways: try pathway.loadSet())
                let hooks = try await store.webhooks(partnerId: partner)
                if json {
                    for hook in hooks { Console.out(try JSONValueEncoder().text(hook)) }
                    return
                }
                if hooks.isEmpty { Console.out("No webhook is registered.") }
                for hook in hooks {
                    Console.out("\(hook.webhookId.padded(11)) \(hook.partnerId.padded(20)) \(hook.keyId.padded(15)) \(hook.removedAt == nil ? "active " : "removed") \(hook.url)")
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an endpoint: nothing more is sent to it (its pending deliveries are parked as failed).")
            @Argument(help: ArgumentHelp("The webhook id (W-…).", valueName: "WEBHOOK")) var webhookId: String
            @OptionGroup var database: DatabaseOption
            @OptionGroup var pathway: PathwayOption

            func run() async throws {
                let store = try database.open(pathways: try pathway.loadSet())
                do {
                    try await store.removeWebhook(webhookId, at: Clock.nowForStore)
                } catch let error as StoreError {
                    Console.error("continuum: \(error)")
                    throw Exit.dataError
                }
                Console.error("continuum: removed \(webhookId)")
            }
        }
    }

    struct Deliveries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What was sent to partners' endpoints; --failed for the dead-letter list.",
            discussion: "Examples:\n  continuum partner deliveries --failed\n  continuum partner deliveries retry D-4K9ZZX0F4MX7",
            subcommands: [Show.self, Retry.self],
            defaultSubcommand: Show.self
        )

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List deliveries, newest first.")
            @Flag(name: .long, help: "Only those given up on (the dead-letter list).") var failed = false
            @Flag(name: .long, help: "Only those still waiting to be sent.") var pending = false
            @Option(name: .long, help: ArgumentHelp("At most N (default 100).", valueName: "N")) var limit = 100
            @Flag(name: .long, help: "Print JSON, one object per delivery.") var json = false
            @OptionGroup var database: DatabaseOption
            @OptionGroup var pathway: PathwayOption

            func validate() throws {
                if failed && pending { throw ValidationError("give --failed or --pending, not both") }
                if !(1...10_000).contains(limit) { throw ValidationError("--limit must be from 1 to 10000") }
            }

            func run() async throws {
                let store = try database.open(pathways: try pathway.loadSet())
                let items = try await store.deliveries(status: failed ? .failed : pending ? .pending : nil, limit: limit)
                if json {
                    for item in items { Console.out(try JSONValueEncoder().text(item)) }
                    return
                }
                if items.isEmpty { Console.out(failed ? "No delivery has failed." : "No delivery.") }
                for item in items {
                    Console.out("\(item.deliveryId.padded(15)) \(item.status.rawValue.padded(9)) \(item.event.rawValue.padded(31)) \(item.partnerId.padded(16)) \(item.referralId) attempts \(item.attempts)"
                        + (item.lastError.map { "  last: \($0)" } ?? ""))
                }
            }
        }

        struct Retry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Send a failed delivery again (the same delivery id), with a fresh 24 hours of retries.")
            @Argument(help: ArgumentHelp("The delivery id (D-…).", valueName: "DELIVERY")) var deliveryId: String
            @OptionGroup var database: DatabaseOption
            @OptionGroup var pathway: PathwayOption

            func run() async throws {
                let store = try database.open(pathways: try pathway.loadSet())
                do {
                    try await store.retryDelivery(deliveryId, at: Clock.nowForStore)
                } catch let error as StoreError {
                    Console.error("continuum: \(error)")
                    throw Exit.dataError
                }
                Console.error("continuum: \(deliveryId) will be sent again by the running service")
            }
        }
    }
}
