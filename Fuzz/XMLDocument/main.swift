import WeiminCore

// Any text: parse must return or throw, never trap. A parsed tree written back out must read back the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    let root: XMLNode
    do { root = try XMLNode.parse(text) } catch {
        check(error.offset >= 0 && error.offset <= text.utf8.count, "error offset \(error.offset) outside the input")
        return 0
    }
    check(depth(root) <= 64, "tree deeper than the reader's limit of 64")
    // The accessors the ingest code uses must not trap either.
    _ = root.value("Content")
    _ = root.all("Item").count
    let written = write(root)
    do {
        let again = try XMLNode.parse(written)
        check(again == root, "tree changed on a write-out and re-read: \(written.prefix(200))")
    } catch {
        check(false, "re-read of written tree failed: \(error) — \(written.prefix(200))")
    }
    return 0
}

func depth(_ n: XMLNode) -> Int { 1 + (n.children.map(depth).max() ?? 0) }

// The reader gathers all of an element's text into one string, so text first, then the children, keeps the tree.
func write(_ n: XMLNode) -> String {
    let attributes = n.attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    return "<\(n.name)\(attributes)>" + escape(n.text) + n.children.map(write).joined() + "</\(n.name)>"
}

func escape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
