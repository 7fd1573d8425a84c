import Foundation

/// A table to export: sheets of typed cells, written as Office Open XML (.xlsx) or as CSV. The XML parts
/// are made here (no framework); the server zips them.
public struct Spreadsheet: Sendable {
    public enum Cell: Sendable, Hashable {
        case text(String)
        case number(Double)
        /// A date shown as a date (Excel serial number with a date format), in `Spreadsheet.timeZone`.
        case date(Date)
        case empty
    }

    public struct Column: Sendable {
        public var header: String
        /// In characters (a Chinese character counts about two).
        public var width: Double
        public init(_ header: String, width: Double) {
            self.header = header
            self.width = width
        }
    }

    public struct Sheet: Sendable {
        public var name: String
        public var columns: [Column]
        public var rows: [[Cell]]
        public init(name: String, columns: [Column], rows: [[Cell]] = []) {
            self.name = name
            self.columns = columns
            self.rows = rows
        }
    }

    public var sheets: [Sheet]
    public var timeZone: TimeZone

    public init(sheets: [Sheet], timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.sheets = sheets
        self.timeZone = timeZone
    }

    // MARK: CSV

    /// UTF-8 with a byte-order mark (so Excel shows the Chinese), CRLF line ends, RFC 4180 quoting. A cell that
    /// starts like a formula (= + - @) is prefixed with ' so a spreadsheet shows it instead of running it.
    public func csv(sheet index: Int = 0) -> Data {
        let sheet = sheets[index]
        var out = "\u{FEFF}"
        func field(_ s: String) -> String { Escape.csvField(s) }
        out += sheet.columns.map { field($0.header) }.joined(separator: ",") + "\r\n"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        for row in sheet.rows {
            out +=
                row.map { cell -> String in
                    switch cell {
                    case .text(let s): return field(s)
                    case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
                    case .date(let d): return formatter.string(from: d)
                    case .empty: return ""
                    }
                }.joined(separator: ",") + "\r\n"
        }
        return Data(out.utf8)
    }

    // MARK: Office Open XML

    /// The files of the .xlsx package, by path inside the zip.
    public func xlsxParts() -> [(path: String, data: Data)] {
        var parts: [(String, Data)] = []
        let sheetList = sheets.indices.map {
            "<sheet name=\"\(Self.escape(Self.sheetName(sheets[$0].name)))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>"
        }.joined()
        parts.append(
            (
                "[Content_Types].xml",
                Self.xml(
                    """
                    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                    <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                    <Default Extension="xml" ContentType="application/xml"/>\
                    <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
                    <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
                    \(sheets.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
                    </Types>
                    """)
            ))
        parts.append(
            (
                "_rels/.rels",
                Self.xml(
                    """
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                    <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                    </Relationships>
                    """)
            ))
        parts.append(
            (
                "xl/workbook.xml",
                Self.xml(
                    """
                    <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
                    <sheets>\(sheetList)</sheets></workbook>
                    """)
            ))
        parts.append(
            (
                "xl/_rels/workbook.xml.rels",
                Self.xml(
                    """
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                    \(sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())\
                    <Relationship Id="rId\(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                    </Relationships>
                    """)
            ))
        // Cell styles (`s=`): 0 plain, 1 bold header, 2 date and time. There is no percentage style: rates are
        // written as plain numbers already multiplied by 100 (the headers say 响应率% …); number format 165 (0.0%)
        // is declared below but no cell style uses it.
        parts.append(
            (
                "xl/styles.xml",
                Self.xml(
                    """
                    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
                    <numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts>\
                    <fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>\
                    <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
                    <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
                    <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
                    <cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
                    <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
                    <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
                    </styleSheet>
                    """)
            ))
        for (i, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(i + 1).xml", worksheet(sheet)))
        }
        return parts
    }

    func worksheet(_ sheet: Sheet) -> Data {
        var x = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        // The header row stays in view while scrolling.
        x +=
            "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
        x +=
            "<cols>"
            + sheet.columns.indices.map {
                "<col min=\"\($0 + 1)\" max=\"\($0 + 1)\" width=\"\(sheet.columns[$0].width)\" customWidth=\"1\"/>"
            }.joined() + "</cols>"
        x += "<sheetData>"
        x +=
            "<row r=\"1\">"
            + sheet.columns.indices.map {
                "<c r=\"\(Self.column($0))1\" t=\"inlineStr\" s=\"1\"><is><t>\(Self.escape(sheet.columns[$0].header))</t></is></c>"
            }.joined() + "</row>"
        for (r, row) in sheet.rows.enumerated() {
            x += "<row r=\"\(r + 2)\">"
            for (c, cell) in row.enumerated() {
                let ref = "\(Self.column(c))\(r + 2)"
                switch cell {
                case .text(let s): x += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(Self.escape(s))</t></is></c>"
                case .number(let n): x += "<c r=\"\(ref)\"><v>\(n)</v></c>"
                case .date(let d): x += "<c r=\"\(ref)\" s=\"2\"><v>\(serial(d))</v></c>"
                case .empty: break
                }
            }
            x += "</row>"
        }
        x += "</sheetData></worksheet>"
        return Self.xml(x)
    }

    /// Days since 1899-12-30 in local time (Excel's date serial number).
    func serial(_ d: Date) -> Double {
        let local = d.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: d))
        return (local / 86400 + 25569 * 1).rounded(toPlaces: 6)
    }

    static func column(_ i: Int) -> String {
        var n = i + 1, s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    /// Sheet names: at most 31 characters, none of : \ / ? * [ ].
    static func sheetName(_ s: String) -> String {
        String(s.filter { !":\\/?*[]".contains($0) }.prefix(31))
    }

    /// Inline strings are never evaluated as formulas; they only need XML escaping (by scalar, see `Escape`).
    static func escape(_ s: String) -> String { Escape.xml(s) }

    static func xml(_ body: String) -> Data {
        Data(("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + body).utf8)
    }
}

extension Double {
    func rounded(toPlaces p: Int) -> Double {
        let m = pow(10.0, Double(p))
        return (self * m).rounded() / m
    }
}
