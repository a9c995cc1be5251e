import ContinuumCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, self-contained SVG line charts (no scripts, no external fonts or assets), for
/// planners' reports and the board pack. Hand-written because the charts are simple and no
/// Swift charting library in reach writes SVG on Linux.
///
/// Made to be read at a glance (issue 25): both axes span the data's range with round ticks
/// (calendar days, weeks or months by name on a dated axis), shaded bands (the warm-up),
/// horizontal reference lines (capacity, a target) and a legend below the plot that wraps
/// rather than truncates.
public struct SVGChart: Sendable {
    /// One line on the chart.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Drawn dashed (a target, a comparison's second run).
        public var dashed: Bool
        /// The palette entry to draw in (default: the series' position), so two runs of one
        /// stage share a colour.
        public var colour: Int?
        /// An interval around the line (a forecast's 95% band), shaded in its colour.
        public var band: [(x: Double, low: Double, high: Double)]

        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false, band: [(x: Double, low: Double, high: Double)] = []) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.band = band
        }
    }

    /// How the x values read.
    public enum XScale: Sendable {
        /// Plain numbers, with round ticks (1, 2, 5 × 10ⁿ).
        case linear
        /// Days from `start` (x = 0 is that date): ticks on round days, weeks or the first of
        /// months by the span, labelled with dates ("7 Dec", "Jan 2027").
        case calendar(start: CalendarDate)
        /// Ticks at given x values with given labels (months by name, percentiles).
        case labelled([Tick])
    }

    /// A tick on an axis: its position and its label.
    public struct Tick: Sendable, Hashable {
        public var x: Double
        public var label: String

        public init(_ x: Double, _ label: String) {
            self.x = x
            self.label = label
        }
    }

    /// A shaded span of x (the warm-up), named in the legend.
    public struct Band: Sendable {
        public var from: Double
        public var to: Double
        public var label: String

        public init(from: Double, to: Double, label: String) {
            self.from = from
            self.to = to
            self.label = label
        }
    }

    /// A horizontal line at `y` (a stage's places), in the colour of series `colourOf` when given.
    public struct ReferenceLine: Sendable {
        public var y: Double
        public var label: String
        public var colourOf: Int?
        /// False: named in the legend only, and the y axis not stretched to it (places far
        /// above every line would flatten them).
        public var drawn: Bool

        public init(y: Double, label: String, colourOf: Int? = nil, drawn: Bool = true) {
            self.y = y
            self.label = label
            self.colourOf = colourOf
            self.drawn = drawn
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var xScale: XScale
    public var bands: [Band]
    public var lines: [ReferenceLine]

    public init(title: String, xLabel: String, yLabel: String, series: [Series], xScale: XScale = .linear,
                bands: [Band] = [], lines: [ReferenceLine] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xScale = xScale
        self.bands = bands
        self.lines = lines
    }

    static let palette = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#c05746"]

    static func colour(_ index: Int) -> String { palette[index % palette.count] }

    // MARK: Axes

    /// The x range: the data's, widened to the bands and labelled ticks.
    var xRange: (min: Double, max: Double) {
        var xs = series.flatMap { $0.points.map(\.x) }
        if case .labelled(let ticks) = xScale { xs += ticks.map(\.x) }
        let low = xs.min() ?? 0, high = xs.max() ?? 1
        return (low, high > low ? high : low + 1)
    }

    /// The y axis: from 0 (or the lowest value, when negative) to a round number over the
    /// highest value and every reference line, with its ticks.
    var yTicks: [Double] {
        let ys = series.flatMap { $0.points.map(\.y) + $0.band.flatMap { [$0.low, $0.high] } } + lines.filter(\.drawn).map(\.y)
        let low = min(0, ys.min() ?? 0), high = max(ys.max() ?? 1, low + 1e-9)
        let step = Self.niceStep((high - low) / 5)
        let first = (low / step).rounded(.down) * step
        let last = (high / step).rounded(.up) * step
        return stride(from: first, through: last + step / 2, by: step).map { $0 }
    }

    /// The x ticks, by scale.
    var xTicks: [Tick] {
        let (low, high) = xRange
        switch xScale {
        case .labelled(let ticks):
            // Every label when they fit, else every second, third… (months of a long period).
            let every = max(1, Int((Double(ticks.count) / 12).rounded(.up)))
            return ticks.enumerated().filter { $0.offset % every == 0 }.map(\.element)
        case .linear:
            let step = Self.niceStep((high - low) / 6)
            let first = (low / step).rounded(.up) * step
            return stride(from: first, through: high + step * 1e-9, by: step).map { Tick($0, Self.label($0)) }
        case .calendar(let start):
            return Self.calendarTicks(start: start, from: low, to: high)
        }
    }

    /// Round calendar ticks over days `from...to` after `start`: days or weeks for spans up to
    /// about four months (labelled "7 Dec"), else the first of every 1, 2, 3, 6 or 12 months
    /// ("Jan 2027"; the year shown on January and on the first tick).
    static func calendarTicks(start: CalendarDate, from: Double, to: Double) -> [Tick] {
        let span = to - from
        func day(_ offset: Int) -> CalendarDate { start.adding(days: offset) }
        if span <= 125 {
            let step = [1, 2, 7, 14, 28].first { span / Double($0) <= 9 } ?? 28
            // Weekly ticks fall on Mondays, so a week reads as a week.
            var first = Int(from.rounded(.up))
            if step >= 7 { while day(first).weekday != 1 { first += 1 } }
            return stride(from: first, through: Int(to.rounded(.down)), by: step).map { offset in
                let date = day(offset)
                return Tick(Double(offset), "\(date.day) \(monthNames[date.month - 1])")
            }
        }
        let months = span / 30.44
        let step = [1, 2, 3, 6, 12, 24].first { months / Double($0) <= 10 } ?? 24
        var ticks: [Tick] = []
        let firstDay = day(Int(from.rounded(.up)))
        var month = CalendarDate(year: firstDay.year, month: firstDay.month, day: 1) ?? firstDay
        if month < firstDay { month = month.adding(months: 1) }
        // Align to the step within the year (quarters start in Jan, Apr, Jul, Oct).
        while (month.month - 1) % step != 0 && step <= 12 { month = month.adding(months: 1) }
        while Double(month.daysSinceEpoch - start.daysSinceEpoch) <= to {
            let x = Double(month.daysSinceEpoch - start.daysSinceEpoch)
            let name = monthNames[month.month - 1]
            ticks.append(Tick(x, ticks.isEmpty || month.month == 1 ? "\(name) \(month.year)" : name))
            month = month.adding(months: step)
        }
        return ticks
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "2026-04" as people read it: "Apr 2026" (the text unchanged when it is not a month).
    public static func monthName(_ key: String) -> String {
        let parts = key.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { return key }
        return "\(monthNames[month - 1]) \(year)"
    }

    /// Ticks at x = 1, 2, … for months given as "2026-04": "Apr 2026" on the first and on
    /// each January, the month alone between ("May").
    public static func monthTicks(_ keys: [String]) -> [Tick] {
        keys.enumerated().map { index, key in
            let name = monthName(key)
            let short = index == 0 || key.hasSuffix("-01") ? name : String(name.prefix(3))
            return Tick(Double(index + 1), short)
        }
    }

    /// A round step near `rough`: 1, 2, 2.5 or 5 × 10ⁿ.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= rough { return step * magnitude }
        return 10 * magnitude
    }

    // MARK: Drawing

    public var svg: String {
        let width = 760.0, left = 70.0, right = 30.0, top = 40.0, plotHeight = 300.0
        let plotWidth = width - left - right
        let legend = legendEntries
        let legendRows = Self.rows(legend.map(\.text), width: plotWidth)
        let height = top + plotHeight + 50 + Double(legendRows.count) * 18 + 10
        let (minX, maxX) = xRange
        let ticksY = yTicks
        let minY = ticksY.first ?? 0, maxY = ticksY.last ?? 1
        func px(_ x: Double) -> Double { left + (x - minX) / (maxX - minX) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - minY) / max(maxY - minY, 1e-12) * plotHeight }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <title>\(Self.escape(title))</title>
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="24" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """
        for band in bands {
            let x0 = px(max(band.from, minX)), x1 = px(min(band.to, maxX))
            guard x1 > x0 else { continue }
            out += "<rect class=\"band\" x=\"\(Self.f(x0))\" y=\"\(top)\" width=\"\(Self.f(x1 - x0))\" height=\"\(plotHeight)\" fill=\"#eee\"/>"
            out += "<text x=\"\(Self.f(x0 + 4))\" y=\"\(Self.f(top + 14))\" fill=\"#666\">\(Self.escape(band.label))</text>\n"
        }
        for value in ticksY {
            let y = py(value)
            out += "<line x1=\"\(left)\" y1=\"\(Self.f(y))\" x2=\"\(left + plotWidth)\" y2=\"\(Self.f(y))\" stroke=\"#ddd\"/>"
            out += "<text class=\"y-tick\" x=\"\(left - 6)\" y=\"\(Self.f(y + 4))\" text-anchor=\"end\">\(Self.escape(Self.label(value)))</text>\n"
        }
        for tick in xTicks where tick.x >= minX - 1e-9 && tick.x <= maxX + 1e-9 {
            let x = px(tick.x)
            out += "<line x1=\"\(Self.f(x))\" y1=\"\(top + plotHeight)\" x2=\"\(Self.f(x))\" y2=\"\(top + plotHeight + 5)\" stroke=\"#333\"/>"
            out += "<text class=\"x-tick\" x=\"\(Self.f(x))\" y=\"\(Self.f(top + plotHeight + 18))\" text-anchor=\"middle\">\(Self.escape(tick.label))</text>\n"
        }
        out += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\" stroke=\"#333\"/>"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(Self.f(left + plotWidth / 2))\" y=\"\(Self.f(top + plotHeight + 38))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(Self.f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for line in lines where line.drawn && line.y <= maxY {
            let colour = line.colourOf.map(Self.colour) ?? "#555"
            out += "<line class=\"reference\" x1=\"\(left)\" y1=\"\(Self.f(py(line.y)))\" x2=\"\(left + plotWidth)\" y2=\"\(Self.f(py(line.y)))\" stroke=\"\(colour)\" stroke-dasharray=\"2 3\"/>\n"
        }
        for (index, line) in series.enumerated() where !line.band.isEmpty {
            let outline = line.band.map { "\(Self.f(px($0.x))),\(Self.f(py($0.high)))" } + line.band.reversed().map { "\(Self.f(px($0.x))),\(Self.f(py($0.low)))" }
            out += "<polygon class=\"interval\" fill=\"\(Self.colour(line.colour ?? index))\" fill-opacity=\"0.15\" stroke=\"none\" points=\"\(outline.joined(separator: " "))\"/>\n"
        }
        for (index, line) in series.enumerated() {
            let points = line.points.map { "\(Self.f(px($0.x))),\(Self.f(py($0.y)))" }.joined(separator: " ")
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<polyline fill=\"none\" stroke=\"\(Self.colour(line.colour ?? index))\" stroke-width=\"1.5\"\(dash) points=\"\(points)\"/>\n"
        }
        // The legend, below the plot, in rows: every name whole.
        var y = top + plotHeight + 60
        var entry = 0
        for row in legendRows {
            var x = left
            for _ in row {
                let item = legend[entry]
                switch item.mark {
                case .line(let colour, let dashed):
                    out += "<line x1=\"\(Self.f(x))\" y1=\"\(Self.f(y - 4))\" x2=\"\(Self.f(x + 16))\" y2=\"\(Self.f(y - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"4 2\"" : "")/>"
                case .box:
                    out += "<rect x=\"\(Self.f(x))\" y=\"\(Self.f(y - 10))\" width=\"16\" height=\"10\" fill=\"#eee\" stroke=\"#ccc\"/>"
                }
                out += "<text class=\"legend\" x=\"\(Self.f(x + 22))\" y=\"\(Self.f(y))\">\(Self.escape(item.text))</text>\n"
                x += Self.entryWidth(item.text)
                entry += 1
            }
            y += 18
        }
        return out + "</svg>\n"
    }

    enum LegendMark { case line(String, dashed: Bool), box }

    var legendEntries: [(text: String, mark: LegendMark)] {
        series.enumerated().map { ($0.element.name, .line(Self.colour($0.element.colour ?? $0.offset), dashed: $0.element.dashed)) }
            + lines.map { ($0.label, .line($0.colourOf.map(Self.colour) ?? "#555", dashed: true)) }
            + bands.map { ($0.label, .box) }
    }

    /// Approximate width of a legend entry (mark, gap, text at about 7 px a character).
    static func entryWidth(_ text: String) -> Double { 22 + Double(text.count) * 7 + 18 }

    /// Entries flowed into rows no wider than `width` (a long entry gets a row of its own).
    static func rows(_ texts: [String], width: Double) -> [[String]] {
        var rows: [[String]] = []
        var current: [String] = []
        var used = 0.0
        for text in texts {
            let needed = entryWidth(text)
            if !current.isEmpty && used + needed > width {
                rows.append(current)
                current = []
                used = 0
            }
            current.append(text)
            used += needed
        }
        if !current.isEmpty { rows.append(current) }
        return rows
    }

    /// A number as a short axis or table label: whole numbers with thousands separators
    /// ("12", "1,200"), others to at most two decimals ("0.35", "2.5"); never "-0".
    public static func label(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == 0 { return "0" }
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return grouped(Int(rounded)) }
        return String(rounded)
    }

    /// A whole number with thousands separators: "1,234,567".
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func f(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    /// Text safe inside XML or HTML content and attribute values.
    public static func escape(_ text: String) -> String { MarkupText.escaped(text) }
}
