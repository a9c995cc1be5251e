import ContinuumCore
/// Small, self-contained SVG line charts (no scripts, no external fonts or assets), for
/// planners' reports. Hand-written because the charts are simple and no Swift charting
/// library in reach writes SVG on Linux.
public struct SVGChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    static let palette = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#c05746"]

    public var svg: String {
        let width = 760.0, height = 420.0
        let left = 70.0, right = 180.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.map(\.y) }
        let minX = xs.min() ?? 0, maxX = max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9)
        let maxY = Self.niceCeiling(max(ys.max() ?? 1, 1e-9))
        func px(_ x: Double) -> Double { left + (x - minX) / (maxX - minX) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - y / maxY * plotHeight }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <title>\(Self.escape(title))</title>
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="24" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """
        for tick in 0...4 {
            let value = maxY * Double(tick) / 4
            let y = py(value)
            out += "<line x1=\"\(left)\" y1=\"\(Self.f(y))\" x2=\"\(left + plotWidth)\" y2=\"\(Self.f(y))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(left - 6)\" y=\"\(Self.f(y + 4))\" text-anchor=\"end\">\(Self.label(value))</text>\n"
        }
        for tick in 0...5 {
            let value = minX + (maxX - minX) * Double(tick) / 5
            out += "<text x=\"\(Self.f(px(value)))\" y=\"\(Self.f(top + plotHeight + 18))\" text-anchor=\"middle\">\(Self.label(value))</text>\n"
        }
        out += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\" stroke=\"#333\"/>"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" stroke=\"#333\"/>\n"
        out += "<text x=\"\(Self.f(left + plotWidth / 2))\" y=\"\(Self.f(height - 12))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16 \(Self.f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let points = line.points.map { "\(Self.f(px($0.x))),\(Self.f(py($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(points)\"/>\n"
            let legendY = top + 8 + Double(index) * 18
            out += "<rect x=\"\(Self.f(left + plotWidth + 14))\" y=\"\(Self.f(legendY - 9))\" width=\"12\" height=\"4\" fill=\"\(colour)\"/>"
            out += "<text x=\"\(Self.f(left + plotWidth + 32))\" y=\"\(Self.f(legendY - 4))\">\(Self.escape(line.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    /// A number as a short axis or table label ("12", "0.35").
    public static func label(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        return String((value * 100).rounded() / 100)
    }

    static func f(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    /// Text safe inside XML or HTML content and attribute values.
    public static func escape(_ text: String) -> String { MarkupText.escaped(text) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
