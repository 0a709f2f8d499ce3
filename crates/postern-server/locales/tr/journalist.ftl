# Postern, gazeteci arayüzü: Türkçe.
# Bir dil modeli (LLM) tarafından yazıldı ve gözden geçirildi; bkz. docs/translations.md.

## Her sayfadaki düzen

j-interface = Gazeteci arayüzü
j-skip = İçeriğe geç
j-org-suffix = gazeteci arayüzü
j-nav-language = Dil
j-logout = Oturumu kapat ({ $user })
j-footer = buradaki her şey haber odasının anahtarlarıyla şifrelidir: ağa bağlı olmayan bilgisayarda okuyun.

## Oturum açma

j-login-title = Oturum aç
j-login-username = Kullanıcı adı
j-login-passphrase = Parola cümlesi
j-login-code = İki aşamalı doğrulama kodu
j-login-button = Oturum aç
j-login-failed = Oturum açılamadı. Kullanıcı adınızı, parola cümlenizi ve kodu kontrol edip yeniden deneyin. Birkaç başarısız denemeden sonra bir hesaba giriş bir süre durdurulur.
j-login-again = Yeniden oturum aç
j-logged-out-title = Oturum kapatıldı
j-logged-out-text = Oturumunuz kapatıldı.
j-session-ended-title = Oturum sona erdi
j-session-ended-text = Oturumunuz sona erdi (bir süre işlem yapılmadığı için ya da hesabınız değiştiği için). Yeniden oturum açın.

## Kaynak listesi

j-sources-title = Kaynaklar
j-sources-summary = { $sources } kaynak, sizin için { $new } yeni öğe.
j-bundle-new = Bütün yenilerin paketini indir
j-sources-none = Henüz kaynak yok.
j-sources-caption = Kaynaklar, en son etkinlik önce
j-col-source = Kaynak
j-col-new = Yeni
j-col-items = Öğeler
j-col-last = Son etkinlik
j-col-star = Yıldız
j-replies-title = Yanıtlar
j-replies-label = { $command } ile oluşturulan yanıt paketi
j-replies-button = Yanıtları yükle

## Tek kaynak

j-source-summary = İlk görülme: { $day }; { $items } öğe, sizin için { $new } yeni.
j-all-sources = Bütün kaynaklar
j-star = Yıldızla
j-unstar = Yıldızı kaldır
j-mark-seen = Hepsini görüldü olarak işaretle
j-bundle-source = Bu kaynağın öğelerinin paketini indir
j-items-caption = Bu kaynağın öğeleri
j-col-item = Öğe
j-col-kind = Tür
j-col-size = Bayt olarak boyut (dolgulu)
j-col-day = Gün
j-col-delete = Silme
j-item-new = (yeni)
j-item-delete-label = { $item } öğesini sil
j-delete = Sil
j-kind-message = Mesaj
j-kind-file = Dosya
j-kind-reply = Yanıt
j-kind-segment = Bir gönderimin parçası
j-kind-manifest = Bir gönderimin sonu
j-delete-source-title = Bu kaynağı sil
j-delete-source-text = Bu, kaynağın bütün öğelerini sunucudan siler. Geri alınamaz.
j-delete-source-confirm = Onaylamak için { $designation } adını yazın
j-delete-source-button = Kaynağı ve bütün öğelerini sil
j-notice-item-deleted = Öğe silindi.
j-notice-not-confirmed = Hiçbir şey silinmedi: onaylamak için adı tam olarak yazın.
j-notice-source-deleted = Kaynak ve bütün öğeleri silindi.

## Yanıt paketleri

j-replies-too-large = Paket { $size } boyutundan büyük.
j-replies-cut-off = Yükleme yarıda kesildi; hiçbir şey içe aktarılmadı.
j-replies-none-chosen = Paket seçilmedi.
j-replies-failed = İçe aktarma başarısız oldu; hiçbir şey içe aktarılmadı.
j-replies-imported-title = Yanıtlar içe aktarıldı
j-replies-imported-text = { $sources } kaynak için { $new } yeni yanıt içe aktarıldı; { $already } yanıt zaten teslim edilmişti. Kaynaklar oturum açtıklarında görecek.
j-replies-refused-title = Yanıtlar reddedildi
j-replies-refused-text = Yanıt paketi reddedildi ve hiçbir şey içe aktarılmadı. { $reason }

## Why a reply bundle was refused

j-refusal-no-key = Bu sunucuda haber odasının yanıt anahtarı sabitlenmemiş; bu yüzden hiçbir yanıta güvenilemez. Yönetici onu postern trust-newsroom ile sabitler.
j-refusal-not-bundle = Bu dosya bir yanıt paketi değil. postern-review export-replies komutunun yazdığı dosyayı yükleyin.
j-refusal-unreadable = Bu dosya bir yanıt paketi olarak okunamıyor: ya yarıda kesilmiş ya da başka türden bir dosya. postern-review export-replies komutunun yazdığı dosyayı yeniden kopyalayıp yükleyin.
j-refusal-version = Paket, bu sunucunun okuyamadığı bir sürümde. Sürümler eşleşsin diye sunucuyu ya da postern-review aracını güncelleyin.
j-refusal-cut-short = Paket eksik: erken bitiyor ya da okunamıyor. Yeniden kopyalayın ve yeni kopyayı yükleyin.
j-refusal-not-signed = Paket, bu sunucuda sabitlenen haber odası anahtarıyla imzalanmamış. Ya değiştirilmiş ya da başka bir anahtarla yapılmış.
j-refusal-altered = Paketteki bir yanıt imzalı kaydıyla uyuşmuyor: paket yolda bozulmuş ya da değiştirilmiş. Yeniden dışa aktarın.
j-refusal-malformed = Paket bozuk ya da postern-review aracının yazdığı biçimde değil. Yeniden dışa aktarın.
j-refusal-unknown-source = Bir yanıt, bu sunucunun tanımadığı bir kaynağa gönderilmiş. Paket başka bir sunucu için olabilir.
j-refusal-source-record = Bir yanıtın kaynağına ait kayıt bu sunucuda doğrulanamıyor. Yöneticiye haber verin.
j-refusal-wrong-key = Bir yanıt, kaynağının yanıt anahtarıyla şifrelenmemiş; kaynak onu okuyamazdı. postern-review reply ile yeniden yazın.
j-refusal-too-large = Pakette tek seferde içe aktarılamayacak kadar çok yanıt var. Her seferinde daha az yanıt dışa aktarın.
j-refusal-conflict = Paketteki bir yanıt, bu sunucuda zaten bulunan başka bir yanıtla aynı kimliğe sahip.
j-refusal-write-failed = Yanıtlar yazılırken işlem yarıda kaldı. Aynı paketi yeniden yükleyin: içe aktarma tamamlanır ve hiçbir şey iki kez eklenmez.

## Hatalar

j-forbidden-title = Yasak
j-forbidden-text = Form eskimişti ya da bu siteden gönderilmedi. Geri dönün, sayfayı yenileyin ve yeniden deneyin.
j-forbidden-other-site = Bu istek başka bir siteden geldi ve reddedildi.
j-back = Geri
j-back-sources = Kaynaklara dön
j-error-title = Hata
j-error-text = Sunucuda bir sorun çıktı. Yeniden deneyin; sürerse yöneticiye haber verin.
j-not-found-title = Bulunamadı
j-not-found-item = Böyle bir kaynak ya da öğe yok (silinmiş olabilir).
j-not-found-page = Böyle bir sayfa yok.

## One upload, one entry; deletions asked first

j-items-caption-entries = Bu kaynağın öğeleri, en yenisi önce (bir yükleme, kaç parça hâlinde gelmiş olursa olsun tek öğedir)
j-col-size-padded = Boyut (dolgulu)
j-col-state = Durum
j-kind-upload = Yükleme
j-state-complete = tamamlandı
j-state-in-progress = sürüyor: { $total } içinden { $have } (% { $percent })
j-state-expired = { $total } içinden { $have } noktasında süresi doldu (% { $percent }): bir sonraki bakımda silinecek
j-state-parts-missing = eksik: bazı parçaları silindi
j-state-unindexed = sunucunun gruplayamadığı yükleme parçaları
j-upload-name = yükleme { $id }
j-upload-parts = yükleme parçaları
j-delete-entry = { $kind } { $name } sil…
j-confirm-title = Silmeyi onaylayın
j-confirm-heading = { $designation } kaynağından silinsin mi?
j-confirm-text = Bu, { $what } öğesini tüm parçalarıyla sunucudan siler. Geri alınamaz.
j-confirm-yes = Evet, sil
j-confirm-no = Hayır, kalsın
j-notice-upload-deleted = Yükleme ve tüm parçaları silindi.

## Bundle selections and their parts

j-dates-from = Ya da şu tarihten itibaren her öğe:
j-dates-to = şu tarihe kadar:
j-dates-choose = Bu günleri seç
j-date-bad-title = Tarih değil
j-date-bad = Tarihleri YYYY-AA-GG biçiminde yazın.
j-bundle-none-title = İndirilecek bir şey yok
j-bundle-none = Bu seçimde hiç öğe yok.
j-selection-title = Bir seçimi indir
j-selection-summary = Öğe: { $items }. Toplam boyut: { $total }. Parça: { $parts }, her biri en fazla yaklaşık { $size } (bundan büyük bir öğe tek başına bir parçadır).
j-selection-import = Her parça kendi başına imzalı bir pakettir: parçaları { $command } ile herhangi bir sırada içe aktarın; bu seçimin hangi parçalarının hâlâ eksik olduğunu size söyler. Kesilen bir indirme kaldığı yerden sürer.
j-selection-caption = { $id } seçiminin parçaları
j-col-part = Parça
j-col-part-size = Boyut
j-part-link = Parça { $part } / { $parts }
j-selection-expired-title = Seçimin süresi doldu
j-selection-expired = Bu seçim artık tutulmuyor (sunucu yeniden başladı ya da o zamandan beri çok sayıda seçim yapıldı). Kaynaklar sayfasından yeniden seçin: aynı öğeler aynı parçaları verir.
j-selection-changed-title = Seçim değişti
j-selection-changed = Bu seçimin bir öğesi, seçim yapıldıktan sonra silindi ya da değişti. Kaynaklar sayfasından yeniden seçin.
