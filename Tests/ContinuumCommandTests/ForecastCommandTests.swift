import ContinuumTesting
import Foundation
import Testing

@Suite("continuum simulate --write-log / --start-from, continuum calibrate")
struct ForecastCommandTests {
    @Test("a history written, verified, calibrated, forecast from and backtested, all from the command line")
    func endToEnd() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("history.sqlite").path
        let written = try CommandRunner.run(["simulate", "Simulations/validation/surrey-known-history.json", "--write-log", log,
                                             "--start-date", "2025-04-01", "--horizon-days", "75"])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("the history of surrey-known-history from 2025-04-01 to 2025-06-14"))
        let verified = try CommandRunner.run(["audit", "verify", "--database", log])
        #expect(verified.status == 0 && verified.stdout.contains("event log verified"), "\(verified.stderr)")

        let calibrated = folder.appendingPathComponent("calibrated").path
        let calibrate = try CommandRunner.run(["calibrate", "--database", log, "--out", calibrated])
        #expect(calibrate.status == 0, "\(calibrate.stderr)")
        #expect(calibrate.stdout.contains("arrivals per day by source") && calibrate.stdout.contains("child-in-need"))
        let calibration = try String(contentsOfFile: calibrated + "/calibration.json", encoding: .utf8)
        for key in ["\"period\"", "\"arrivals\"", "\"perDay\"", "\"levels\"", "\"entries\"", "\"meanDays\"", "\"sdDays\"", "\"distribution\"", "\"ks\"",
                    "\"exits\"", "\"probability\"", "\"warnings\""] {
            #expect(calibration.contains(key), "no \(key)")
        }
        // Seventy-five days: long stays have barely begun to end, and the warnings say which.
        #expect(calibrate.stdout.contains("warning: time at child-protection rests on"), "\(calibrate.stdout)")

        let forecastFolder = folder.appendingPathComponent("forecast").path
        let forecast = try CommandRunner.run(["simulate", calibrated + "/scenario.json", "--start-from", log, "--horizon-days", "62",
                                              "--replications", "4", "--out", forecastFolder])
        #expect(forecast.status == 0, "\(forecast.stderr)")
        #expect(forecast.stderr.contains("cases open at the end of 2025-06-1"))
        #expect(forecast.stdout.contains("open now") && forecast.stdout.contains("child-in-need"))
        let csv = try String(contentsOfFile: forecastFolder + "/forecast.csv", encoding: .utf8)
        #expect(csv.hasPrefix("month,level,open_mean,open_low,open_high,entries_mean,exits_mean,cost_mean,cost_low,cost_high\r\n"))
        #expect(FileManager.default.fileExists(atPath: forecastFolder + "/forecast.svg"))

        let backtestFolder = folder.appendingPathComponent("backtest").path
        let backtest = try CommandRunner.run(["calibrate", "--database", log, "--holdout-months", "1", "--replications", "4", "--out", backtestFolder])
        #expect(backtest.status == 0, "\(backtest.stderr)")
        #expect(backtest.stdout.contains("inside the 95% interval"))
        let json = try String(contentsOfFile: backtestFolder + "/backtest.json", encoding: .utf8)
        #expect(json.contains("\"coverage\"") && json.contains("\"meanAbsolutePercentageError\""))

        // Never into a log that exists.
        let again = try CommandRunner.run(["simulate", "Simulations/validation/surrey-known-history.json", "--write-log", log, "--horizon-days", "5"])
        #expect(again.status == 73 && again.stderr.contains("\(log) exists"))
        // Nothing in the period asked for: 65, naming it.
        let empty = try CommandRunner.run(["calibrate", "--database", log, "--from", "2030-01-01", "--to", "2030-02-01", "--out", folder.path + "/empty"])
        #expect(empty.status == 65 && empty.stderr.contains("no referrals from 2030-01-01 to 2030-02-01"))
    }

    @Test("without a key file, a new log's key is written beside it")
    func keyBeside() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("short.sqlite").path
        let written = try CommandRunner.run(["simulate", "Simulations/validation/surrey-known-history.json", "--write-log", log, "--horizon-days", "3"],
                                            environment: ["CONTINUUM_MASTER_KEY_FILE": ""])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stderr.contains("wrote a new master key for the log to \(log).key"))
        #expect(FileManager.default.fileExists(atPath: log + ".key"))
    }

    @Test("wrong combinations and missing logs are refused with what to do")
    func refusals() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = try CommandRunner.run(["simulate", "Simulations/validation/mm1.json", "--write-log", folder.path + "/x.sqlite"])
        #expect(plain.status == 64 && plain.stderr.contains("is not pathway-driven"))
        let asOf = try CommandRunner.run(["simulate", "Simulations/surrey-pathway.json", "--as-of", "2026-01-01"])
        #expect(asOf.status == 64 && asOf.stderr.contains("--as-of goes with --start-from"))
        let missing = try CommandRunner.run(["simulate", "Simulations/surrey-pathway.json", "--start-from", folder.path + "/none.sqlite"])
        #expect(missing.status == 66 && missing.stderr.contains("no database at"))
        let dates = try CommandRunner.run(["calibrate", "--database", folder.path + "/none.sqlite", "--from", "2026-05-01", "--to", "2026-04-01", "--out", folder.path])
        #expect(dates.status == 64 && dates.stderr.contains("--from 2026-05-01 is after --to 2026-04-01"))
        let noLog = try CommandRunner.run(["calibrate", "--database", folder.path + "/none.sqlite", "--out", folder.path])
        #expect(noLog.status == 66)
    }
}
