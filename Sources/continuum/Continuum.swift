import ArgumentParser

/// `continuum`: the early help referral pathway router.
@main
struct Continuum: AsyncParsableCommand {
    /// The release, as `--version` prints it and the census header names it.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "continuum",
        abstract: "Early help referral pathway router for children's services.",
        discussion: """
            Partners' referrals are validated, routed through the council's continuum of need \
            (Pathways/surrey.json by default) and given statutory deadlines on a working-day calendar.

            Exit codes: 0 success, 64 usage error, 65 invalid data (referral or pathway), \
            66 input file missing or unreadable, 69 service or database unavailable, \
            70 event log check failed, 73 cannot write output, 77 not permitted (token refused), \
            78 master key missing or not this database's.
            """,
        version: Continuum.version,
        subcommands: [CheckCommand.self, RouteCommand.self, GraphCommand.self, ServeCommand.self, TokenCommand.self,
                      AuditCommand.self, RebuildCommand.self, TriageCommand.self, SimulateCommand.self, CalibrateCommand.self,
                      LoadTestCommand.self, ReportCommand.self, PathwayCommand.self, SarCommand.self, RetentionCommand.self, KeysCommand.self, PartnerCommand.self, StoreCommand.self,
                      CensusCommand.self]
    )
}
