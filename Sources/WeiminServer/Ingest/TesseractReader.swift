import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif

/// Reads the words in a photo in-process through Tesseract's C API (`capi.h`) and Leptonica (Debian `libtesseract5`,
/// `tesseract-ocr-chi-sim`; Apache-2.0 and BSD-2). The libraries are opened at run time (`dlopen`), so the server builds
/// and runs without them and simply reads no photos until the integrator installs them (docs/install.md).
/// One engine, used by one caller at a time: the media service reads one photo after another.
public final class TesseractReader: Sendable {
    /// What a photo said, and how sure Tesseract was (its mean word confidence, 0–100).
    public struct Reading: Sendable, Equatable {
        public var text: String
        public var confidence: Int
    }

    public let engineName: String
    let engine: Mutex<Engine>

    /// The C entry points and the one `TessBaseAPI` handle. Pointers are only touched under the mutex.
    struct Engine: @unchecked Sendable {
        typealias Handle = OpaquePointer
        let create: @convention(c) () -> Handle?
        let initialise: @convention(c) (Handle?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32
        let setVariable: @convention(c) (Handle?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32
        let setPageSegMode: @convention(c) (Handle?, Int32) -> Void
        let setImage: @convention(c) (Handle?, OpaquePointer?) -> Void
        let text: @convention(c) (Handle?) -> UnsafeMutablePointer<CChar>?
        let deleteText: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void
        let meanConfidence: @convention(c) (Handle?) -> Int32
        let clear: @convention(c) (Handle?) -> Void
        let version: @convention(c) () -> UnsafePointer<CChar>?
        let pixReadMem: @convention(c) (UnsafePointer<UInt8>?, Int) -> OpaquePointer?
        let pixDestroy: @convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Void
        var handle: Handle?
    }

    /// Opens Tesseract for `languages` (default Simplified Chinese), or says why it cannot.
    public static func load(languages: String = "chi_sim") -> Result<TesseractReader, LoadError> {
        func open(_ names: [String]) -> UnsafeMutableRawPointer? {
            for name in names { if let library = dlopen(name, RTLD_NOW) { return library } }
            return nil
        }
        guard let tess = open(["libtesseract.so.5", "libtesseract.so.4", "libtesseract.so"]),
            let lept = open(["liblept.so.5", "libleptonica.so.6", "libleptonica.so", "liblept.so"])
        else { return .failure(.notInstalled) }
        func symbol<T>(_ library: UnsafeMutableRawPointer, _ name: String, as: T.Type) -> T? {
            dlsym(library, name).map { unsafeBitCast($0, to: T.self) }
        }
        guard let create = symbol(tess, "TessBaseAPICreate", as: (@convention(c) () -> OpaquePointer?).self),
            let initialise = symbol(
                tess, "TessBaseAPIInit3", as: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32).self),
            let setVariable = symbol(
                tess, "TessBaseAPISetVariable",
                as: (@convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32).self),
            let setPageSegMode = symbol(tess, "TessBaseAPISetPageSegMode", as: (@convention(c) (OpaquePointer?, Int32) -> Void).self),
            let setImage = symbol(tess, "TessBaseAPISetImage2", as: (@convention(c) (OpaquePointer?, OpaquePointer?) -> Void).self),
            let text = symbol(tess, "TessBaseAPIGetUTF8Text", as: (@convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?).self),
            let deleteText = symbol(tess, "TessDeleteText", as: (@convention(c) (UnsafeMutablePointer<CChar>?) -> Void).self),
            let meanConfidence = symbol(tess, "TessBaseAPIMeanTextConf", as: (@convention(c) (OpaquePointer?) -> Int32).self),
            let clear = symbol(tess, "TessBaseAPIClear", as: (@convention(c) (OpaquePointer?) -> Void).self),
            let version = symbol(tess, "TessVersion", as: (@convention(c) () -> UnsafePointer<CChar>?).self),
            let pixReadMem = symbol(lept, "pixReadMem", as: (@convention(c) (UnsafePointer<UInt8>?, Int) -> OpaquePointer?).self),
            let pixDestroy = symbol(lept, "pixDestroy", as: (@convention(c) (UnsafeMutablePointer<OpaquePointer?>?) -> Void).self)
        else { return .failure(.notInstalled) }
        var engine = Engine(
            create: create, initialise: initialise, setVariable: setVariable, setPageSegMode: setPageSegMode, setImage: setImage,
            text: text, deleteText: deleteText, meanConfidence: meanConfidence, clear: clear, version: version,
            pixReadMem: pixReadMem, pixDestroy: pixDestroy, handle: create())
        guard let handle = engine.handle else { return .failure(.notInstalled) }
        // The language data is found where Debian puts it (or TESSDATA_PREFIX); a missing language fails here, not later.
        guard initialise(handle, nil, languages) == 0 else {
            engine.handle = nil
            return .failure(.languageMissing(languages))
        }
        _ = setVariable(handle, "debug_file", "/dev/null")
        // Chinese words are not separated by spaces; keep Tesseract from inventing them between characters.
        _ = setVariable(handle, "preserve_interword_spaces", "1")
        setPageSegMode(handle, 3)  // PSM_AUTO: find the blocks of text in a photo
        let name = "tesseract \(version().map { String(cString: $0) } ?? "?") \(languages)"
        return .success(TesseractReader(engine: engine, name: name))
    }

    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case notInstalled
        case languageMissing(String)
        public var description: String {
            switch self {
            case .notInstalled: return "未安装 Tesseract（apt-get install tesseract-ocr tesseract-ocr-chi-sim），图片中的文字不会被识别"
            case .languageMissing(let l): return "Tesseract 缺少语言数据 \(l)（apt-get install tesseract-ocr-chi-sim）"
            }
        }
    }

    init(engine: Engine, name: String) {
        self.engine = Mutex(engine)
        self.engineName = name
    }

    /// The words of an image (JPEG, PNG, GIF, TIFF, WebP, BMP as Leptonica reads them), or nil when it cannot be decoded.
    public func read(_ bytes: [UInt8]) -> Reading? {
        engine.withLock { e -> Reading? in
            guard let handle = e.handle, !bytes.isEmpty else { return nil }
            var pix = bytes.withUnsafeBufferPointer { e.pixReadMem($0.baseAddress, $0.count) }
            guard pix != nil else { return nil }
            defer {
                e.clear(handle)
                e.pixDestroy(&pix)
            }
            e.setImage(handle, pix)
            guard let raw = e.text(handle) else { return nil }
            defer { e.deleteText(raw) }
            return Reading(text: Self.tidy(String(cString: raw)), confidence: Int(e.meanConfidence(handle)))
        }
    }

    /// Lines joined, spaces between Chinese characters dropped (Tesseract puts some there), lines of stray marks removed.
    public static func tidy(_ raw: String) -> String {
        func isHan(_ c: Character) -> Bool { c.unicodeScalars.first.map { (0x4E00...0x9FFF).contains($0.value) } ?? false }
        var lines: [String] = []
        for line in raw.split(whereSeparator: \.isNewline) {
            let chars = Array(line)
            var out = ""
            for (i, c) in chars.enumerated() {
                if c == " " {
                    let before = out.last, after = chars[(i + 1)...].first { $0 != " " }
                    if let b = before, let a = after, isHan(b) || isHan(a) { continue }
                    if out.last == " " { continue }
                }
                out.append(c)
            }
            let trimmed = out.trimmingCharacters(in: .whitespaces)
            // A line worth keeping has a Chinese character, or at least three letters or digits.
            if trimmed.contains(where: isHan) || trimmed.filter({ $0.isLetter || $0.isNumber }).count >= 3 { lines.append(trimmed) }
        }
        return lines.joined(separator: "\n")
    }

    /// Enough to read as a message: four Chinese characters at a confidence Tesseract stands behind.
    public static func worthReading(_ r: Reading) -> Bool {
        r.confidence >= 45 && r.text.unicodeScalars.filter { (0x4E00...0x9FFF).contains($0.value) }.count >= 4
    }
}
