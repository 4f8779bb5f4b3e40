#include "elf_inspect.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace rlloss::detail {
namespace {

#if defined(__x86_64__)
constexpr int kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kHostMachine = EM_AARCH64;
#else
constexpr int kHostMachine = EM_NONE;
#endif

class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ >= 0) close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class ElfHandle {
 public:
  explicit ElfHandle(Elf* elf) : elf_(elf) {}
  ~ElfHandle() {
    if (elf_ != nullptr) elf_end(elf_);
  }
  ElfHandle(const ElfHandle&) = delete;
  ElfHandle& operator=(const ElfHandle&) = delete;
  Elf* get() const { return elf_; }

 private:
  Elf* elf_;
};

ElfVerdict reject(std::string reason) {
  return {false, std::move(reason)};
}

// Empty when the section's bytes lie inside a file of `file_size` bytes, else why not. libelf
// allocates what a section header claims before it reads, so a 20 KB file claiming a 2 GB
// .dynsym would cost 2 GB; nothing is read from a section that fails this check.
std::string section_outside_file(const GElf_Shdr& header, const char* what, uint64_t file_size) {
  if (header.sh_type == SHT_NOBITS) return "";
  if (header.sh_offset <= file_size && header.sh_size <= file_size - header.sh_offset) return "";
  return std::string(what) + " claims " + std::to_string(header.sh_size) + " bytes at offset " +
         std::to_string(header.sh_offset) + ", past the end of the file (" +
         std::to_string(file_size) + " bytes)";
}

// The defined symbol called `name` in one symbol table, if any.
std::optional<GElf_Sym> defined_symbol(Elf* elf, Elf_Scn* section, const GElf_Shdr& header,
                                       const std::string& name) {
  Elf_Data* data = elf_getdata(section, nullptr);
  if (data == nullptr || header.sh_entsize == 0) return std::nullopt;
  const size_t count = header.sh_size / header.sh_entsize;
  for (size_t i = 0; i < count; ++i) {
    GElf_Sym symbol;
    if (gelf_getsym(data, static_cast<int>(i), &symbol) == nullptr) continue;
    if (symbol.st_shndx == SHN_UNDEF) continue;
    const char* symbol_name = elf_strptr(elf, header.sh_link, symbol.st_name);
    if (symbol_name != nullptr && name == symbol_name) return symbol;
  }
  return std::nullopt;
}

}  // namespace

ElfVerdict inspect_plugin_file(const std::filesystem::path& file, const std::string& entry_symbol) {
  if (elf_version(EV_CURRENT) == EV_NONE) return reject("libelf is unusable");
  FileHandle fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return reject(std::string("cannot open: ") + std::strerror(errno));
  struct stat status {};
  if (fstat(fd.get(), &status) != 0)
    return reject(std::string("cannot stat: ") + std::strerror(errno));
  const auto file_size = static_cast<uint64_t>(status.st_size);
  ElfHandle elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
  if (elf.get() == nullptr || elf_kind(elf.get()) != ELF_K_ELF) return reject("not an ELF file");
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf.get(), &ehdr) == nullptr) return reject("unreadable ELF header");
  if (ehdr.e_type != ET_DYN) return reject("not an ELF shared object");
  if (ehdr.e_machine != kHostMachine) {
    return reject("ELF machine " + std::to_string(ehdr.e_machine) + " is not this host's (" +
                  std::to_string(kHostMachine) + ")");
  }
  bool has_dynsym = false;
  for (Elf_Scn* section = elf_nextscn(elf.get(), nullptr); section != nullptr;
       section = elf_nextscn(elf.get(), section)) {
    GElf_Shdr header;
    if (gelf_getshdr(section, &header) == nullptr || header.sh_type != SHT_DYNSYM) continue;
    has_dynsym = true;
    std::string outside = section_outside_file(header, ".dynsym", file_size);
    GElf_Shdr strings_header;
    Elf_Scn* strings = elf_getscn(elf.get(), header.sh_link);
    if (outside.empty()) {
      if (strings == nullptr || gelf_getshdr(strings, &strings_header) == nullptr) {
        return reject(".dynsym links to no string table");
      }
      outside = section_outside_file(strings_header, ".dynsym's string table", file_size);
    }
    if (!outside.empty()) return reject(outside);
    if (const auto symbol = defined_symbol(elf.get(), section, header, entry_symbol)) {
      // Calling a data symbol would crash the host instead of skipping the file.
      const int type = GELF_ST_TYPE(symbol->st_info);
      if (type != STT_FUNC && type != STT_GNU_IFUNC) {
        return reject("exports " + entry_symbol + " but not as a function (ELF symbol type " +
                      std::to_string(type) + ")");
      }
      return {true, ""};
    }
  }
  if (!has_dynsym) return reject("no .dynsym section (truncated or not a shared library)");
  return reject("does not export " + entry_symbol + " (not an rlloss plugin)");
}

}  // namespace rlloss::detail
