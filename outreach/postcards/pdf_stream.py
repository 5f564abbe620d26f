"""One PDF written part by part: the pages of many small PDFs appended to a file as they come.

ReportLab keeps a whole document in memory until it saves, so a batch of 20,000 postcards
would be one 20,000-postcard document in memory. Instead the batch is drawn in parts of a
few thousand pages; each part is saved to bytes, its objects are renumbered and written to
the output at once, and only the object offsets and page numbers stay in memory. Each part
keeps its own resources (the font subsets it used), so a font is embedded at most once per
part. The page tree has one node per part under the root.
"""

from array import array
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


class PdfStreamWriter:
    """Appends the pages of PDF documents to one file, writing every object as soon as it is known."""

    def __init__(self, fileobj: BinaryIO, *, info: dict[str, str]):
        self.out = fileobj
        self.out.write(HEADER)
        # offsets[n] is where object n starts (object 0 is the free-list head): 8 bytes per object.
        self.offsets = array("q", [0])
        self.root_pages = self._reserve()
        self.parts: list[int] = []
        self.pages = 0
        self.info = info

    def append(self, pdf: BinaryIO) -> int:
        """Copy every page of the PDF in `pdf` (with what they use) to the output; returns the page count."""
        reader = PdfReader(pdf, strict=True)
        node = self._reserve()
        numbers: dict[int, int] = {}  # object number in the part → in the output
        pending: list[int] = []

        def renumber(obj: PdfObject) -> PdfObject:
            if isinstance(obj, IndirectObject):
                if obj.idnum not in numbers:
                    numbers[obj.idnum] = self._reserve()
                    pending.append(obj.idnum)
                return IndirectObject(numbers[obj.idnum], 0, None)
            if isinstance(obj, DictionaryObject):  # streams too: their dictionary
                for key, value in list(obj.items()):
                    obj[key] = renumber(value)
            elif isinstance(obj, ArrayObject):
                obj[:] = [renumber(value) for value in obj]
            return obj

        kids = []
        for page in reader.pages:  # pypdf's page objects carry what they inherit from the part's page tree
            numbers[page.indirect_reference.idnum] = number = self._reserve()
            del page[NameObject("/Parent")]  # the part's own page tree is left behind
            page = renumber(page)
            page[NameObject("/Parent")] = IndirectObject(node, 0, None)
            self._write(number, page)
            kids.append(IndirectObject(number, 0, None))
        while pending:
            number = pending.pop()
            self._write(numbers[number], renumber(reader.get_object(number)))
        self._write(node, self._pages_node(kids, parent=self.root_pages))
        self.parts.append(node)
        self.pages += len(kids)
        return len(kids)

    def close(self) -> None:
        """Write the page tree's root, the catalogue, the document info, the cross-reference table and trailer."""
        parts = [IndirectObject(number, 0, None) for number in self.parts]
        root_pages = self._pages_node(parts, count=self.pages)
        self._write(self.root_pages, root_pages)
        catalog = self._reserve()
        self._write(
            catalog,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Catalog"),
                    NameObject("/Pages"): IndirectObject(self.root_pages, 0, None),
                }
            ),
        )
        info = self._reserve()
        self._write(info, DictionaryObject({NameObject(f"/{k}"): TextStringObject(v) for k, v in self.info.items()}))
        xref = self.out.tell()
        self.out.write(f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode())
        for offset in self.offsets[1:]:
            self.out.write(f"{offset:010d} 00000 n \n".encode())
        self.out.write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n".encode()
        )

    def _reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _write(self, number: int, obj: PdfObject) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    @staticmethod
    def _pages_node(kids: list, *, parent: int | None = None, count: int | None = None) -> DictionaryObject:
        node = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): ArrayObject(kids),
                NameObject("/Count"): NumberObject(len(kids) if count is None else count),
            }
        )
        if parent is not None:
            node[NameObject("/Parent")] = IndirectObject(parent, 0, None)
        return node
