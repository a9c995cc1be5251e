import ArgumentParser
import ContinuumCore
import ContinuumJSON
import ContinuumStore

/// `continuum token create | list | revoke`: bearer tokens for partners and staff.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke bearer tokens.",
        discussion: """
            A token is shown once, when created; the database keeps only its SHA-256 hash.
            Roles: partner (bound to one partner id with --partner), practitioner, manager, planner, admin.
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it, alone, on standard output.",
            discussion: """
                Everything else (the token id, what it can do) goes to standard error, so a script can capture the token:

                  TOKEN=$(continuum token create --role partner --partner surrey-police --name "Surrey Police MASH")
                  continuum token create --role practitioner --name "A. Worker" --qualification social-worker

                A person's qualification decides the case roles they may hold where the pathway sets a rule
                (docs/families-first.md): social-worker, family-support-worker or early-help-practitioner.
                """
        )

        @Option(name: .long, help: ArgumentHelp("partner, practitioner, manager, planner or admin.", valueName: "ROLE"))
        var role: String

        @Option(name: .long, help: ArgumentHelp("The partner id a partner token sends and reads referrals as.", valueName: "ID"))
        var partner: String?

        @Option(name: .long, help: ArgumentHelp("Who or what holds the token (shown by `token list`).", valueName: "TEXT"))
        var name: String?

        @Option(name: .long, help: ArgumentHelp("For a practitioner or manager: social-worker, family-support-worker or early-help-practitioner.",
                                                valueName: "QUALIFICATION"))
        var qualification: String?

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        func validate() throws {
            if let qualification, Qualification(rawValue: qualification) == nil {
                throw ValidationError("--qualification must be one of \(Qualification.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(qualification)\"")
            }
            if qualification != nil, role != Role.practitioner.rawValue, role != Role.manager.rawValue {
                throw ValidationError("--qualification is for people's tokens: --role practitioner or manager")
            }
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(self.role)\"")
            }
            if role == .partner, partner?.isEmpty ?? true { throw ValidationError("a partner token needs --partner ID") }
            if role != .partner, partner != nil { throw ValidationError("--partner is only for --role partner") }
            if let partner, !partner.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) || partner.count > 64 {
                throw ValidationError("--partner must be 1 to 64 letters, digits, '-', '_' or '.'")
            }
        }

        func run() async throws {
            let store = try database.open(pathways: try pathway.loadSet(), creating: true)
            let role = Role(rawValue: role) ?? .partner
            let created = try await store.createToken(role: role, partnerId: partner, name: name,
                                                      qualification: qualification.flatMap(Qualification.init(rawValue:)), at: Clock.nowForStore)
            Console.out(created.secret)
            Console.error("continuum: created token \(created.info.tokenId) (\(role.rawValue)\(partner.map { ", partner \($0)" } ?? "")) in \(database.displayName); "
                          + "it is shown only this once")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (ids, roles, partners; never the secrets).")

        @Flag(name: .long, help: "Print JSON (one object per token) instead of a table.")
        var json = false

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        func run() async throws {
            let store = try database.open(pathways: try pathway.loadSet())
            let tokens = try await store.listTokens()
            if json {
                for token in tokens { Console.out(try JSONValueEncoder().text(token)) }
                return
            }
            Console.out("TOKEN       ROLE          PARTNER / QUALIFICATION  CREATED               REVOKED               NAME")
            for token in tokens {
                let columns = [token.tokenId.padded(11), token.role.rawValue.padded(13), (token.partnerId ?? token.qualification?.rawValue ?? "-").padded(24),
                               token.createdAt.description.prefix(19).description.padded(21),
                               (token.revokedAt?.description.prefix(19).description ?? "-").padded(21), token.name ?? ""]
                Console.out(columns.joined(separator: " "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: requests bearing it get 401 from now on.",
                                                        discussion: "Example:\n  continuum token revoke T-4K7Q2M9X")

        @Argument(help: ArgumentHelp("The token id (T-…) from `token list`.", valueName: "TOKEN-ID"))
        var tokenId: String

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        func run() async throws {
            let store = try database.open(pathways: try pathway.loadSet())
            do {
                try await store.revokeToken(tokenId, at: Clock.nowForStore)
            } catch StoreError.tokenNotFound {
                Console.error("continuum: no token \(tokenId); `continuum token list` shows the ids")
                throw Exit.dataError
            }
            Console.error("continuum: revoked \(tokenId)")
        }
    }
}

extension String {
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
