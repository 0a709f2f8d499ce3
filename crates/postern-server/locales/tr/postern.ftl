# Postern arayüzü: Türkçe.
#
# Okuyucu korkmuş ve aceleci olabilir: sade sözcükler, kısa cümleler, sakin bir ton.
# Kimlikler en-US/postern.ftl ile aynı olmalı (bir test bunu denetler).

## Düzen, her sayfada

skip-to-content = İçeriğe geç
nav-language = Dil
footer-nojs = JavaScript gerekmez
link-start = Başlangıç sayfasına dön
logout-button = Çıkış yap

## Boyutlar

size-mb = { $n } MB
size-gb = { $n } GB

## Metin içinde tarihler

date =
    { $day } { $month ->
        [1] Ocak
        [2] Şubat
        [3] Mart
        [4] Nisan
        [5] Mayıs
        [6] Haziran
        [7] Temmuz
        [8] Ağustos
        [9] Eylül
        [10] Ekim
        [11] Kasım
       *[12] Aralık
    } { $year }

## Başlangıç sayfası

landing-title = Belgeleri güvenle gönderin
landing-heading = Belgeleri ve mesajları güvenle gönderin
landing-intro = Burası, { $org } gazetecilerine belge ve mesaj göndermenin güvenli bir yoludur.
landing-anonymous = Bu site, kim olduğunuzu öğrenmeyeceğimiz şekilde kuruldu. Ama hiçbir site bunu tek başına vaat edemez: nasıl gönderdiğiniz de önemlidir. Aşağıdaki öneriler riski azaltır.
landing-safety-heading = Nasıl güvende kalırsınız
landing-safety-tor = Tor Browser kullanın ve güvenlik düzeyini “En Güvenli” (Safest) yapın: adres çubuğunun yanındaki kalkan simgesine tıklayın ya da “Ayarlar” ve ardından “Gizlilik ve Güvenlik” bölümüne gidin.
landing-safety-safest = “En Güvenli” düzeyi JavaScript’i kapatır; Tor Browser’a yönelik saldırıların çoğu ona ihtiyaç duyar. Bu site onsuz da tam olarak çalışır.
landing-safety-bridges = Bulunduğunuz yerde Tor engelliyse bir köprü kullanın: Tor Browser’da “Ayarlar”, sonra “Bağlantı”, sonra “Köprüler” bölümünü açın.
landing-safety-device = Sizinle bağlantısı olmayan bir bilgisayar ve ağ kullanın. Asla iş bilgisayarını ya da iş ağını kullanmayın.
landing-safety-silence = Bir şey gönderdiğinizi kimseye söylemeyin.
landing-safety-metadata = Dosyalar, sizi gösterebilecek gizli bilgiler (üst veri) taşıyabilir: yazar adı, cihaz ya da yer gibi. Yapabiliyorsanız bunları silin.
landing-safety-logged = Dosyaların geldiği yer, onları kimin açtığını, yazdırdığını ya da kopyaladığını kaydediyor olabilir. Başka kimlerde de olabileceğini düşünün.
landing-start-heading = Başlayın
landing-first-visit = Buraya ilk kez mi geliyorsunuz? Bir kod adı alacaksınız: yedi rastgele sözcük. Onunla daha sonra geri dönebilir, yeniden gönderebilir ve yanıtları okuyabilirsiniz.
landing-get-codename = Kod adı al
landing-have-codename = Zaten bir kod adım var

## Kod adı sayfası, yalnızca bir kez gösterilir

codename-title = Kod adınız
codename-intro = Bu sizin kod adınız. Yalnızca bu kez gösterilir.
codename-advice-heading = Güvende tutun
codename-write = Bir kâğıda yazın ya da ezberleyin.
codename-secret = Gizli tutun. Kimseye göstermeyin.
codename-device = Asla sizinle bağlantılı bir telefona, bilgisayara ya da hesaba kaydetmeyin.
codename-replies = Yeniden giriş yapmanın ve gazetecilerin yanıtlarını okumanın tek yolu budur.
codename-lost = Bir kopyasını saklamıyoruz, bu yüzden kaybederseniz geri getirilemez.
codename-latin = Bunlar İngilizce sözcüklerdir. Klavyeniz Latin düzendeyken, Latin harfleriyle (a’dan z’ye) yazın.
codename-continue-hint = Devam etmeden önce onu yazdığınızdan emin olun.
codename-continue = Göndermeye devam et

## Kod adı sayfası yeniden yüklendi

codename-expired-title = Sayfanın süresi doldu
codename-expired-heading = Bu sayfanın süresi doldu
codename-expired-text = Kod adı yalnızca bir kez gösterilir; bu yüzden sayfayı yeniden yüklemek onu yeniden gösteremez.
codename-expired-next = Onu yazdıysanız, onunla giriş yapın. Yazmadıysanız yeni bir kod adı alın.
codename-expired-link = Yeni bir kod adı al

## Giriş

login-title = Giriş yap
login-intro = İlk ziyaretinizde aldığınız kod adını girin.
login-codename-label = Kod adı
login-codename-hint = Aralarında boşluk olan yedi sözcük. Yazdığınız gizli kalır, böylece kimse omzunuzun üstünden okuyamaz.
login-submit = Giriş yap
login-no-codename = Henüz kod adınız yok mu? Başlangıç sayfasından alın.
login-error-empty = Lütfen kod adınızı girin.
login-error-too-long = Bu, bir kod adı için fazla uzun. Lütfen kontrol edip yeniden deneyin.
login-error-word-count = Bir kod adı tam yedi sözcükten oluşur. Lütfen kontrol edip yeniden deneyin.
login-error-keyboard = Kod adınız Latin olmayan harflerle yazıldı. Klavyenizi Latin düzene geçirin ve yeniden yazın.
login-error-unknown-word = Sözcüklerden biri kod adı sözcüğü değil. Lütfen yazımı kontrol edip yeniden deneyin.

## Giriş yaptıktan sonra ana sayfa

home-title = Gönderin ve yanıtları okuyun
home-heading = Belge ya da mesaj gönderin
home-welcome = Hoş geldiniz. Kod adınız hazır. Henüz bir şey göndermediniz: şimdi, burada gönderebilirsiniz.
home-unknown = Bu kod adıyla henüz bir şey gönderilmedi. Daha önce bir şey gönderdiyseniz, kod adınızda yazım hatası olup olmadığına bakın ve yeniden giriş yapın.
home-encrypted = Gönderdiğiniz her şey, ulaşır ulaşmaz gazeteciler için şifrelenir.
home-message-label = Mesaj
home-files-label = Dosyalar
home-files-hint = Aynı anda birkaç dosya seçebilirsiniz.
home-limits =
    Her dosya en fazla { $file }, bir kerede gönderilenlerin tümü en fazla { $request } olabilir. Bir mesaj en fazla { $chars } { $chars_n ->
        [one] karakter
       *[other] karakter
    } olabilir.
home-split = Daha büyük bir arşiv parçalara bölünebilir (örneğin 7-Zip birimleri) ve her parça ayrı gönderilebilir.
home-large = Çok büyük bir arşiv için (gigabaytlarca) bunun yerine komut satırı aracı postern-send’i kullanın: Tor üzerinden parça parça gönderir, her parçayı yeni bir devreyle; bağlantı koparsa, yeniden başlatmadan sonra bile kaldığı yerden devam eder. Kod adınızı ve bu sitenin .onion adresini sorar; haber kuruluşunun kılavuzu onu nasıl edineceğinizi anlatır. Tor Browser “En Güvenli” düzeydeyken arşivi en fazla yukarıdaki boyutta parçalara bölün (örneğin: 7z a -v1g parts.7z FOLDER) ve parçaları buradan tek tek gönderin.
home-wait = Tor üzerinden gönderim uzun sürebilir. Onayı görene kadar bu sayfayı açık tutun.
home-submit = Şifrele ve gönder
notice-nothing-sent = Hiçbir şey gönderilmedi: bir mesaj yazın ya da en az bir dosya seçin.
home-replies-heading = Yanıtlar
home-replies-none = Henüz yanıt yok.
home-reply-day = { $day } tarihli yanıt
home-replies-locked = Yanıtlarınız var, ancak bu oturum onları açmak için çok uzun süre boşta kaldı. Okumak için çıkış yapın ve kod adınızla yeniden giriş yapın.
home-replies-deletion = Bir yanıtı silmek onu bu sunucudan kaldırır. Gazeteciler kendi kopyalarını çevrim dışı bilgisayarlarında saklar.
home-reply-delete = Bu yanıtı sil
home-replies-delete-all = Tüm yanıtları sil
notice-reply-deleted = Yanıt silindi.
notice-replies-deleted = Tüm yanıtlar silindi.
notice-reply-gone = O yanıt zaten silinmişti.
home-logout-hint = İşiniz bitince çıkış yapın.

## Gönderimden sonra

submitted-title = Teşekkürler
submitted-heading = Teşekkürler
submitted-files-and-message =
    Mesajınız ve { $files } { $files ->
        [one] dosya
       *[other] dosya
    } şifrelendi ve saklandı.
submitted-files =
    { $files ->
        [one] { $files } dosya şifrelendi ve saklandı.
       *[other] { $files } dosya şifrelendi ve saklandı.
    }
submitted-message = Mesajınız şifrelendi ve saklandı.
submitted-nothing = Hiçbir şey gönderilmedi: form boştu.
submitted-next-heading = Bundan sonra ne olacak
submitted-next-check = Gazeteciler yeni gönderimlere düzenli olarak bakar. Bir yanıt birkaç gün sürebilir.
submitted-next-return = Yanıtları okumak için daha sonra gelin ve kod adınızla giriş yapın.
submitted-back = Daha fazla gönderin ya da yanıtları okuyun

## Çıkış yapıldı

logged-out-title = Çıkış yapıldı
logged-out-heading = Çıkış yaptınız
logged-out-new-identity = Şimdi bu oturumu Tor Browser’ın “Yeni Kimlik” özelliğiyle tarayıcıdan temizleyin: ☰ menüsünü açıp “Yeni Kimlik”i seçin ya da Ctrl+Shift+U tuşlarına basın.

## Oturum sona erdi

expired-title = Oturum sona erdi
expired-heading = Oturumunuz sona erdi
expired-text = Güvenliğiniz için, oturumunuz bir süre işlem yapılmadığından sona erdi.
expired-kept = Göndermediğiniz hiçbir şey saklanmadı.
expired-login = Kod adınızla yeniden giriş yapın

## Hatalar ($status HTTP durum kodudur)

error-title = Hata { $status }
error-not-found = Bu sayfa yok.
error-bad-request = İstek anlaşılamadı. Lütfen geri dönüp yeniden deneyin.
error-csrf = Bu formun süresi doldu ya da başka bir siteden geldi. Lütfen geri dönün, sayfayı yeniden yükleyin ve yeniden deneyin.
error-too-large = Gönderilen, sınırdan büyük olduğu için hiçbir şey saklanmadı. Daha küçük parçalara bölün ve tek tek gönderin.
error-message-kept = Mesajınız korundu: aşağıdaki kutuda.
error-message-too-long = Mesaj sınırdan uzun. Lütfen kısaltın ya da bir dosyaya kaydedip o dosyayı gönderin.
error-server = Bizim tarafımızda bir sorun oldu. Gönderdiğinizden hiçbir şey saklanmadı. Lütfen daha sonra yeniden deneyin.
error-disk-full = Sunucu şu anda dosya kabul edemiyor. Lütfen daha sonra yeniden deneyin.
error-method = Bu sayfa bu şekilde kullanılamaz. Lütfen başlangıç sayfasına dönün.

## Meşgul

busy-title = Meşgul
busy-heading = Lütfen biraz bekleyin
busy-text = Şu anda çok kişi giriş yapıyor. Lütfen bir dakika bekleyip yeniden deneyin.
